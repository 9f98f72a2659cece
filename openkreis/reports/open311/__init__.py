"""Open311 GeoReport v2 for the Mängelmelder (issue 17): services, requests, tokens and
FixMyStreet's servicerequestupdates, as JSON and XML. See docs/open311.md."""
