"""The sign-in pages' words (staff, school, families), Swedish first and English alongside."""
from __future__ import annotations

SIGNIN_TEXTS: dict[str, tuple[str, str]] = {
    "signin_oidc_button": ("Logga in med SITHS-kort eller e-legitimation", "Sign in with SITHS card or e-ID"),
    "signin_oidc_school": ("Logga in med ditt arbetskonto (SITHS-kort eller e-legitimation)",
                           "Sign in with your work account (SITHS card or e-ID)"),
    "signin_failed": ("Inloggningen gick inte igenom, eller ditt konto har ingen roll här. Försök igen, eller "
                      "kontakta din behörighetsadministratör.",
                      "Sign-in did not go through, or your account has no role here. Try again, or contact your "
                      "access administrator."),
    "signing_in": ("Du är inloggad. Du skickas vidare …", "You are signed in. Taking you on …"),
    "continue": ("Fortsätt", "Continue"),
    "family_signin": ("Logga in – vårdnadshavare och unga", "Sign in – guardians and young people"),
    "family_signin_intro": ("Logga in med BankID eller Freja eID via 1177 för att lämna uppgifter till "
                            "En väg in.", "Sign in with BankID or Freja eID through 1177 to give details to "
                            "En väg in."),
    "family_signin_button": ("Logga in med e-legitimation", "Sign in with e-ID"),
    "family_signin_none": ("Inloggning för familjer är inte påslagen här.", "Sign-in for families is not on here."),
    "family_home": ("Du är inloggad", "You are signed in"),
    "family_signed_in_as": ("Inloggad som {name}", "Signed in as {name}"),
    "family_as_guardian": ("Du är inloggad som vårdnadshavare.", "You are signed in as a guardian."),
    "family_as_young_person": ("Du är inloggad för din egen del.", "You are signed in for yourself."),
    "family_form_soon": ("Formuläret för familjer kommer här.", "The families' form will be here."),
}
