import os

from django.core.wsgi import get_wsgi_application

from safeguard.memory import tune_garbage_collection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
application = get_wsgi_application()
tune_garbage_collection()
