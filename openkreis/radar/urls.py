app_name = "radar"

urlpatterns: list = []
