"""bumble's virtual controller and host for the simulated air, without per-packet debug formatting.

bumble formats every HCI packet into a coloured debug string with an f-string before `logger.debug` can
decide to drop it; on a drain that is about a third of the simulated link's CPU time. These subclasses route
packets exactly like their bases and format them only when debug logging is actually on.
"""

from __future__ import annotations

import asyncio
import logging

from bumble import hci
from bumble.controller import Controller
from bumble.host import Host

log = logging.getLogger(__name__)


class SimController(Controller):
    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("[%s] host -> controller: %s", self.name, packet)
        if isinstance(packet, hci.HCI_AclDataPacket):
            self.on_hci_acl_data_packet(packet)
        elif isinstance(packet, hci.HCI_Command):
            self.on_hci_command_packet(packet)
        elif isinstance(packet, hci.HCI_Event):
            self.on_hci_event_packet(packet)
        else:
            log.warning("unknown HCI packet type %s", packet.hci_packet_type)

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("[%s] controller -> host: %s", self.name, packet)
        if self.host:
            asyncio.get_running_loop().call_soon(self.host.on_packet, bytes(packet))


class SimHost(Host):
    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("controller -> host: %s", packet)
        if self.snooper:
            super().on_hci_packet(packet)  # snooping wants bumble's full path
        elif isinstance(packet, hci.HCI_AclDataPacket):
            self.on_hci_acl_data_packet(packet)
        elif isinstance(packet, hci.HCI_Event):
            self.on_hci_event_packet(packet)
        else:
            super().on_hci_packet(packet)

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("host -> controller: %s", packet)
        if self.snooper:
            super().send_hci_packet(packet)
        elif self.hci_sink:
            self.hci_sink.on_packet(bytes(packet))
