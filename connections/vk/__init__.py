"""VK: the API and VK ID client (the only code that calls VK), the token, the community and the pages."""
