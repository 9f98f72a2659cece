"""`{{ cents|euro }}` → "3,00 €" (German notation in both languages: the levy is in euro)."""

from django import template

register = template.Library()


@register.filter
def euro(cents) -> str:
    cents = int(cents or 0)
    return f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d} €"
