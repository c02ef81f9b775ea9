"""A stand-in for VK's API (market, execute, photo upload) and VK ID's OAuth, for tests and the demo."""

from emulators.vk.app import VkEmulator

__all__ = ["VkEmulator"]
