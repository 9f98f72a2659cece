"""'Wo bekomme ich …?': the product search across every shop (docs/marketplace.md)."""

from __future__ import annotations

from openkreis.catalog.fulltext import Collection

from .models import Product, Scheme


def _synonyms() -> list[list[str]]:
    return list(Scheme.current().synonyms or [])


def _indexable():
    return Product.objects.all()


def products_collection() -> Collection:
    """The products as a full-text collection: name most, then brand and category."""
    return Collection(
        id="products",
        model=Product,
        fields={"name": "A", "brand": "B", "category": "B", "description": "D"},
        vector_field="search_vector",
        synonyms=_synonyms,
        filter=_indexable,
    )
