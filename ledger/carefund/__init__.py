"""The care fund (关爱基金): fund years, applications, disbursements, follow-ups, revocations."""
