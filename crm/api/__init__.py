"""REST API of the crm app: ``contacts/`` (with ``merge/``), ``leads/``, ``pipelines/``
and ``tasks/``.

Who may do what (an object the caller may not see answers 404):

- admins and CRM managers see, create, change and merge every contact;
- operators and supervisors see the contacts that appear in sessions of their groups and
  may change them (the contact card in the inbox), but neither create (403: a new
  contact has no session of theirs) nor merge (403) them;
- leads: admins and CRM managers see and change all; anyone else sees and changes the
  leads they own and the leads of contacts they may see, and creates leads for those
  contacts, owned by themselves (403 when giving another owner);
- pipelines: anyone signed in reads them; admins and CRM managers change them (403);
- tasks: admins and CRM managers see, create, change and delete all; anyone else sees
  the tasks assigned to them and only marks them done or not done (403 otherwise).
"""

from rest_framework.routers import SimpleRouter

from crm.api.contacts import ContactViewSet
from crm.api.identity import ContactIdentityViewSet
from crm.api.leads import LeadViewSet
from crm.api.pipelines import PipelineViewSet
from crm.api.tasks import TaskViewSet

router = SimpleRouter()
router.register("contacts", ContactViewSet, basename="contact")
router.register("contacts", ContactIdentityViewSet, basename="contact-identity")
router.register("leads", LeadViewSet, basename="lead")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("tasks", TaskViewSet, basename="task")
