from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Standard OIDC claims as an identity provider such as BundID hands them over."""

    def get_additional_claims(self, request):
        user = request.user
        return {
            "given_name": user.first_name,
            "family_name": user.last_name,
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": True,
            "birthdate": "1990-04-12",
            "address": {
                "street_address": "Breiter Weg 12",
                "postal_code": "38855",
                "locality": "Wernigerode",
            },
        }
