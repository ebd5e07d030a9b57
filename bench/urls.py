"""The product's URLs plus one bare view: the baseline the API benchmark compares against.

The bare view does what a minimal Django JSON endpoint does — one indexed query, no
authentication, no schema — so both run in the same gunicorn workers, middleware and database.
"""

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

from xueji.students.models import Student
from xueji.urls import urlpatterns as product_urlpatterns


def bare_student(request: HttpRequest, pk: int) -> JsonResponse:
    row = Student.objects.filter(pk=pk).values("id", "xjh", "name", "gender", "birth_date").first()
    if row is None:
        raise Http404
    return JsonResponse(row)


urlpatterns = [path("bench/bare/<int:pk>", bare_student), *product_urlpatterns]
