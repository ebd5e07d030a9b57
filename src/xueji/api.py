from ninja import NinjaAPI

api = NinjaAPI(title="学籍管理系统 API", version="1")
