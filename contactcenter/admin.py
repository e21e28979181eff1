"""The admin site's own texts; the apps register their models in their ``admin.py``."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Contact center administration")
admin.site.site_title = _("Contact center administration")
admin.site.index_title = _("Settings and data")
