from django.urls import include, path

from compat_site.views import GetTest

urlpatterns = [
    path("mongo_auth/", include("mongo_auth.urls")),
    path("api/test/", GetTest.as_view()),
]
