from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "work"
    verbose_name = "Work: tasks and supervisory reviews"

    def ready(self) -> None:
        """Give cases, the lower layer, the rules that suggest tasks when a stage is recorded, and how
        reminders of overdue tasks are cleared and where they lead, the case page its tasks to do, and
        the summaries that tasks and reviews change none of them."""
        from cases.services.common import register_stage_hook
        from cases.services.notifications import register_reminder_kind
        from cases.services.summaries import register_not_summarised
        from cases.views.case import register_case_panel
        from work.selectors import case_page_tasks
        from work.services import TASK_KIND, task_reminder_link, task_reminders_cleared, task_suggest

        register_stage_hook(task_suggest)
        register_case_panel(case_page_tasks)
        register_reminder_kind(TASK_KIND, cleared=task_reminders_cleared, link=task_reminder_link)
        register_not_summarised(*(model._meta.label for model in self.get_models()))
