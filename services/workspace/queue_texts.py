"""The work queue's and the unit week's paging words, Swedish first and English alongside (joined into i18n)."""
from __future__ import annotations

QUEUE_TEXTS: dict[str, tuple[str, str]] = {
    "queue_waiting": ("{n} ärenden väntar på bedömning.", "{n} cases are waiting for their assessment."),
    "queue_waiting_1": ("1 ärende väntar på bedömning.", "1 case is waiting for its assessment."),
    "queue_waiting_0": ("Inget ärende väntar på bedömning.", "No case is waiting for its assessment."),
    "queue_all_channels": ("Alla kanaler ({n})", "All channels ({n})"),
    "queue_which": ("Visa", "Show"),
    "queue_which_all": ("alla som väntar", "all waiting"),
    "queue_which_at_risk": ("de som riskerar att missa löftet", "those at risk of missing the promise"),
    "queue_which_broken": ("de som har missat löftet", "those past the promise"),
    "queue_shown": ("Visar {first}–{last} av {n}, de mest brådskande först.",
                    "Showing {first}–{last} of {n}, the most urgent first."),
    "queue_next": ("Nästa {n}", "Next {n}"),
    "queue_to_start": ("Till början av kön", "Back to the start of the queue"),
    "week_choose_day": ("Tiderna visas för en dag i taget; välj en dag för att se dess tider.",
                        "The times are shown one day at a time; choose a day to see its times."),
    "week_day_counts": ("Lediga {free} · hålls {held} · bokade {booked}", "Free {free} · held {held} · booked {booked}"),
    "week_no_times": ("Inga tider", "No times"),
}
