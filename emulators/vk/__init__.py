"""A stand-in for VK's API (market, execute, photo upload) and VK ID's OAuth, for tests and the demo."""

from emulators.vk.emulator import VkEmulator

__all__ = ["VkEmulator"]
