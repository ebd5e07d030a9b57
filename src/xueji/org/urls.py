from django.contrib.auth import views as auth_views
from django.urls import path

from xueji.org import account_views, registrar_views, views

app_name = "org"
urlpatterns = [
    path("schools/", views.school_list_page, name="schools"),
    path("schools/<int:pk>/", views.school_detail_page, name="school"),
    path("registrars/", registrar_views.registrars, name="registrars"),
    path("registrars/<int:pk>/document/", registrar_views.registrar_document, name="registrar_document"),
]

# Login and logout live at the top level (see xueji.urls); so does home (xueji.home).
top_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="org/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account_page, name="account"),
    path("account/password/", account_views.password_page, name="account_password"),
    path("account/keepalive/", account_views.keepalive, name="account_keepalive"),
    path("account/otp/", account_views.second_factor_page, name="account_otp"),
    path("account/tokens/revoke/", account_views.token_revoke, name="account_tokens_revoke"),
    path("account/tokens/<int:pk>/revoke/", account_views.token_revoke, name="account_token_revoke"),
]
