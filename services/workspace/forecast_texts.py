"""The words of the referral forecast page (the contact centre's head): Swedish first, English alongside."""
from __future__ import annotations

FORECAST_TEXTS: dict[str, tuple[str, str]] = {
    "nav_forecast": ("Prognos och bemanning", "Forecast and staffing"),
    "forecast_title": ("Inkommande remisser mot bemanningen: de kommande 8 veckorna",
                       "Incoming referrals against staffing: the next 8 weeks"),
    "forecast_intro": ("Väntade remisser och kontakter per dag och kanal, räknat från historiken med veckodag och "
                       "säsong (skolornas toppar i april–maj och november–december). Timmarna är den legitimerade "
                       "bedömartid de behöver mot bemanningsplanen; en dag som missar löftet om medicinsk bedömning "
                       "inom 3 dagar är markerad med hur många timmar som fattas.",
                       "Expected referrals and contacts per day and channel, from the history with weekday and "
                       "season (the schools' peaks in April–May and November–December). The hours are the licensed "
                       "assessor time they need against the staffing plan; a day that misses the promise of a "
                       "medical assessment within 3 days is marked with the hours short."),
    "forecast_day": ("Dag", "Day"),
    "forecast_total": ("Totalt (intervall)", "Total (band)"),
    "forecast_needed": ("Timmar som behövs", "Hours needed"),
    "forecast_planned": ("Planerade timmar", "Hours planned"),
    "forecast_promise": ("Löftet", "The promise"),
    "forecast_kept": ("hålls", "kept"),
    "forecast_short": ("Missar löftet: {hours} timmar fattas", "Misses the promise: {hours} hours short"),
    "forecast_late": ("{n} pappersremisser kommer efter löftet", "{n} paper referrals arrive after the promise"),
    "forecast_days_missing": ("{n} av dagarna missar löftet med den här bemanningen.",
                              "{n} of the days miss the promise with this staffing."),
    "forecast_days_missing_0": ("Bemanningen räcker för att hålla löftet alla dagar.",
                                "The staffing is enough to keep the promise every day."),
    "forecast_no_plan": ("Ingen bemanningsplan är sparad: varje dag räknas med 0 timmar.",
                         "No staffing plan is saved: every day counts 0 hours."),
    "forecast_unavailable": ("Prognosen kan inte visas just nu.", "The forecast cannot be shown right now."),
    "forecast_saved": ("Bemanningsplanen är sparad.", "The staffing plan is saved."),
    "plan_title": ("Bemanningsplan", "Staffing plan"),
    "plan_intro": ("Legitimerade bedömartimmar per veckodag, och de uppmätta minuterna ett rådgivningssamtal och en "
                   "telefonintervju tar.",
                   "Licensed assessor-hours per weekday, and the measured minutes an advice call and a telephone "
                   "interview take."),
    "plan_hours": ("Timmar {day}", "Hours {day}"),
    "plan_advice": ("Minuter per rådgivningssamtal", "Minutes per advice call"),
    "plan_interview": ("Minuter per telefonintervju", "Minutes per telephone interview"),
    "plan_save": ("Spara bemanningsplanen", "Save the staffing plan"),
    "plan_bad_hours": ("Ange timmar som ett tal från 0 till 500.", "Enter the hours as a number from 0 to 500."),
    "plan_bad_minutes": ("Ange minuter som ett tal större än 0 (högst {max}).",
                         "Enter the minutes as a number above 0 (at most {max})."),
    "plan_only_head": ("Bara kontaktcenterchefen sparar bemanningsplanen.",
                       "Only the contact centre's head saves the staffing plan."),
    "day_long_0": ("måndag", "Monday"), "day_long_1": ("tisdag", "Tuesday"), "day_long_2": ("onsdag", "Wednesday"),
    "day_long_3": ("torsdag", "Thursday"), "day_long_4": ("fredag", "Friday"), "day_long_5": ("lördag", "Saturday"),
    "day_long_6": ("söndag", "Sunday"),
}
