"""Evotor: the cloud API client (the only code that calls Evotor), the token and the connection pages."""
