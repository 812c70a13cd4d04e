from ninja import NinjaAPI

api = NinjaAPI(title="Balise API", version="1", urls_namespace="api")
