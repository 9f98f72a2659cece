from . import services, staff


def tenant(request):
    """The county this deployment serves, for headers and footers."""
    return {"tenant": services.current_tenant()}


def staff_areas(request):
    """The workplaces the logged-in staff member may enter, for their own navigation (none for
    citizens and visitors, who get the portal's navigation)."""
    user = getattr(request, "user", None)
    areas = staff.areas_for(user) if user is not None else []
    return {"staff_areas": [area for _id, area in areas]}
