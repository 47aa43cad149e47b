"""The demo's care: interviews and decisions, bookings and what becomes of them, BUP's stages, parent groups."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from kontakt.demo_core import CALL_BACK
from kontakt.demo_supply import Supply


class Care(Supply):
    """What the professionals do with a case once it is open."""

    def interview(self, case_id: str, level: str, tries: int = 0) -> None:
        try:  # all answers in one save: the demo's clinician has them at hand
            self.j.interview(case_id, level, part=200)
        except RuntimeError as exc:
            if "unknown_case" in str(exc) and self.later(  # triage has not yet heard of the case
                    "interview", lambda: self.interview(case_id, level, tries + 1), tries):
                return
            raise
        self.fig.count("interviews")
        decided = self.j.decide(case_id)
        self.fig.count("levels", key=decided["level"])
        # a call handler calls the family back with times within the hour; by then booking has heard of the
        # decision (asked ten minutes later, it mostly had not: 2.5 refused tries per booking, a tenth of the acts)
        if decided["level"] == "parenting_group":
            self.plan(self.current + CALL_BACK, "group seat", lambda: self.group_seat(case_id))
        elif decided["level"] in ("primary_care", "bup", "urgent"):
            self.plan(self.current + CALL_BACK, "booking", lambda: self.book(case_id))
        if decided["level"] in ("primary_care", "bup") and self.rng.random() < 0.12:
            self.collaborate(case_id)

    def collaborate(self, case_id: str) -> None:
        """Two-level care: a coordinator starts collaboration between a health centre and BUP for the child."""
        options = self.j.collaboration_options()
        hc = self.rng.choice([u["unit_id"] for u in self.units if u.get("level") == "first_line"] or ["hc-teg"])
        self.j.collaborate(case_id, self.rng.choice(options["questions"]), self.rng.choice(options["interventions"]),
                           hc, self.rng.choice(options["bup_units"]))

    def book(self, case_id: str, tries: int = 0, chosen: bool | None = None) -> None:
        if chosen is None:
            chosen = self.rng.random() < 0.04  # the family declines the first time offered
        try:
            with self._desk:  # one booking at a time: two calls never race for the same first offer
                booked = self.j.book_first_offer(case_id, patient_chosen_wait=chosen, timeout=0.0)
        except RuntimeError as exc:
            if "no_decision" in str(exc) and self.later("booking", lambda: self.book(case_id, tries + 1, chosen), tries):
                return  # booking has not heard of the decision yet
            if "already_booked" in str(exc):
                return  # while booking had not heard, the waiting list booked the child into a new time
            raise
        if booked is None:
            return  # NoBookableSlots was published; the waiting list books it when a slot opens
        self.fig.count("booked")
        visit = datetime.fromisoformat(booked["starts_at"])
        r = self.rng.random()
        if r < 0.05:
            self.plan(self.current + timedelta(hours=self.rng.uniform(2, 48)), "cancellation",
                      lambda: self.j.cancel(booked["appointment_id"], "family", "family_request"))
        elif r < 0.12:
            self.plan(visit + timedelta(hours=1), "no-show",
                      lambda: self.j.mark(booked["appointment_id"], "no-show", booked["unit_id"]))
        else:
            self.plan(visit + timedelta(hours=1), "attended",
                      lambda: self.j.mark(booked["appointment_id"], "attended", booked["unit_id"]))
            if booked["unit_id"].startswith("bup-"):
                self.bup_stages(case_id, booked["unit_id"], visit)

    def bup_stages(self, case_id: str, unit_id: str, first_visit: datetime) -> None:
        """After BUP's first assessment: most go on to an in-depth investigation, some straight to treatment;
        the unit reports the decision, sometimes a patient-chosen or medically caused wait, and the start."""
        stage = "investigation" if self.rng.random() < 0.7 else "treatment"
        decided = first_visit + timedelta(hours=3)
        started = self.at((decided + timedelta(days=self.rng.randint(10, 60))).date(), 9)
        self.plan(decided, "BUP stage decided", lambda: self.j.bup_stage(case_id, stage, "decided", unit_id, decided))
        if self.rng.random() < 0.1:
            code = self.rng.choice(["pvv", "pvv", "mov"])
            at = decided + timedelta(days=7)
            self.plan(at, "BUP wait excluded",
                      lambda: self.j.bup_stage(case_id, stage, "excluded", unit_id, at, code=code))
        self.plan(started, "BUP stage started",
                  lambda: self.j.bup_stage(case_id, stage, "started", unit_id, started, decided_at=None))

    def group_seat(self, case_id: str, tries: int = 0) -> None:
        try:
            group = self.take_seat(case_id)
        except RuntimeError as exc:
            if "no_decision" in str(exc) and self.later(  # booking has not yet heard of the decision
                    "group seat", lambda: self.group_seat(case_id, tries + 1), tries):
                return
            raise
        if group is not None and self.rng.random() < 0.7:  # most families answer at the last session
            end = self.at(date.fromisoformat(group["starts_on"]) + timedelta(weeks=6), 19)
            answers = {"satisfaction": self.rng.choices(["missnojd", "ej_nojd", "nojd", "mycket_nojd"], [1, 2, 9, 8])[0],
                       "recommend": self.rng.choices(["ej_sannolikt", "liten_sannolikhet", "sannolikt",
                                                      "stor_sannolikhet"], [1, 1, 7, 11])[0],
                       "easier_everyday": self.rng.choices(["nej", "en_del_situationer", "ja_ofta"], [2, 10, 8])[0],
                       "exchange": self.rng.choices(["bra_givande", "varken_eller", "daligt"], [14, 5, 1])[0]}
            self.plan(end, "group evaluation", lambda: self.j.evaluate_group(group["group_id"], case_id, answers))

    def take_seat(self, case_id: str) -> dict[str, Any] | None:
        """A seat in the first group with one free (None: all full); one booking at a time, so two calls never
        race for a group's last seat."""
        with self._desk:
            groups = [g for g in self.j.groups() if g.get("free_seats", 1) > 0]
            if groups:
                self.j.book_group_seat(groups[0]["group_id"], case_id, parents=self.rng.choice([1, 2, 2]),
                                       booked_from="contact_centre")
            return groups[0] if groups else None
