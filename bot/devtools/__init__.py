"""Development and test tools that never run in production (fake Twilio API)."""
