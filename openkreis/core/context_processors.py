from . import services


def tenant(request):
    """The county this deployment serves, for headers and footers."""
    return {"tenant": services.current_tenant()}
