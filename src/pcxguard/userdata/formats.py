"""User data as cloud-init (and EC2Launch on Windows) read it: decoding, parts, cloud-config, files.

Decoded: base64 (when the whole text is base64 of something cloud-init reads), gzip (raw bytes or
base64 of them), MIME multi-part archives (``email``: each part by its content type; ``text/plain``
and ``application/octet-stream`` parts by their first line, as cloud-init does), ``#cloud-config``
(YAML, safe loader, bounded size and aliases: ``bootcmd``, ``write_files`` with ``encoding`` b64 /
gzip / gz+b64, ``runcmd``), ``#cloud-config-archive``, shell scripts (``#!`` and
``#cloud-boothook``), Windows ``<powershell>`` and ``<script>`` blocks. ``#include`` /
``text/x-include-url`` parts, part handlers and jinja templates cannot be read: they make the MTU
unknown. Files the user data writes are read by their path: ifcfg (``MTU=``), netplan
(``mtu:``, route ``mtu``), systemd-networkd (``MTUBytes=`` in ``[Link]`` and ``[Route]``),
NetworkManager keyfiles (``mtu=``), ``/etc/network/interfaces`` (``mtu``) and dhclient.conf
(``interface-mtu``).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import re
import zlib
from typing import Any

import yaml
from netaddr import AddrFormatError, IPNetwork

from pcxguard.model import RouteMtuPin, Unknown
from pcxguard.userdata.reading import Collector, Reading
from pcxguard.userdata.shell import MAX_DEPTH, Shell, number, shown

MAX_BYTES = 1 << 20  # decoded size of one document or part (EC2 takes 16 KiB of user data)
MAX_PARTS = 200
MAX_ALIASES = 100
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")


def read(data: str | bytes | None, name: str = "the user data") -> Reading:
    """Read user data (text or bytes, plain or encoded) for the MTU it sets."""
    col = Collector(name=name)
    if data is None:
        return col.reading(None)
    text = _document(data, "the user data", col, 0)
    _read_files(col)
    return col.reading(text)


# --------------------------------------------------------------------------- decoding


def _gunzip(data: bytes, where: str, col: Collector) -> bytes | None:
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = decompressor.decompress(data, MAX_BYTES + 1)
    except zlib.error as error:
        col.cannot_read(f"{where}: gzip data that does not decompress ({error})")
        return None
    if len(out) > MAX_BYTES:
        col.cannot_read(f"{where}: decompresses to more than {MAX_BYTES} bytes")
        return None
    return out


def _b64(text: str) -> bytes | None:
    compact = "".join(text.split())
    if len(compact) < 8 or not _BASE64.match(text) or len(compact) % 4:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


_HEADERS = ("#!", "#cloud-config", "#include", "#cloud-boothook", "#part-handler", "## template:",
            "#upstart-job", "content-type:", "mime-version:", "<powershell>", "<script>", "<persist>", "version:")


def _document(data: str | bytes, where: str, col: Collector, depth: int) -> str | None:
    """Decode one document and read it by its type. Returns its text (None when not text)."""
    if depth > MAX_DEPTH:
        col.cannot_read(f"{where}: nested deeper than {MAX_DEPTH} levels")
        return None
    if isinstance(data, str):
        stripped = data.lstrip()
        if not stripped.lower().startswith(_HEADERS):
            decoded = _b64(stripped)
            if decoded is not None and (decoded[:2] == b"\x1f\x8b" or _text(decoded).lstrip().lower().startswith(_HEADERS)):
                col.notes.append(f"{where}: base64")
                return _document(decoded, where, col, depth + 1)
        text = data
    else:
        if len(data) > MAX_BYTES:
            col.cannot_read(f"{where}: larger than {MAX_BYTES} bytes")
            return None
        if data[:2] == b"\x1f\x8b":
            col.notes.append(f"{where}: gzip")  # the text returned is the decompressed text
            unpacked = _gunzip(data, where, col)
            if unpacked is None:
                return None
            return _document(unpacked, where, col, depth + 1)
        text = _text(data)
        decoded_again = None if text.lstrip().lower().startswith(_HEADERS) else _b64(text)
        if decoded_again is not None and (decoded_again[:2] == b"\x1f\x8b"
                                          or _text(decoded_again).lstrip().lower().startswith(_HEADERS)):
            col.notes.append(f"{where}: base64")
            return _document(decoded_again, where, col, depth + 1)
    if len(text) > MAX_BYTES:
        col.cannot_read(f"{where}: larger than {MAX_BYTES} characters")
        return text
    _dispatch(text, where, col, depth)
    return text


def _dispatch(text: str, where: str, col: Collector, depth: int, content_type: str = "") -> None:
    body = text.lstrip("\ufeff")
    head = body.lstrip()
    first = head.split("\n", 1)[0].strip()
    lowered = first.lower()
    if lowered.startswith(("content-type:", "mime-version:")):
        _mime(body, where, col, depth)
    elif lowered.startswith("#cloud-config-archive"):
        _archive(head, where, col, depth)
    elif lowered.startswith("#cloud-config"):
        col.notes.append(f"{where}: #cloud-config")
        _cloud_config(head, where, col, depth)
    elif lowered.startswith(("#include", "#include-once")):
        urls = [line.strip() for line in head.splitlines()[1:] if line.strip() and not line.startswith("#")]
        col.cannot_read(f"{where}: an #include of {', '.join(urls[:3]) or 'URLs'}: cloud-init downloads it at boot")
    elif lowered.startswith("#part-handler"):
        col.cannot_read(f"{where}: a part handler (Python code cloud-init runs)")
    elif lowered.startswith("## template:"):
        col.cannot_read(f"{where}: a jinja template, rendered only on the instance")
    elif lowered.startswith(("#cloud-boothook", "#upstart-job")) or first.startswith("#!"):
        interpreter = first[2:].strip().split()[0:2] if first.startswith("#!") else ["sh"]
        name = interpreter[-1].rsplit("/", 1)[-1] if interpreter else "sh"
        if interpreter and interpreter[0].endswith("/env") and len(interpreter) > 1:
            name = interpreter[1]
        if name.lower().startswith(("pwsh", "powershell")):
            col.notes.append(f"{where}: PowerShell script")
            Shell(col, where, powershell=True, depth=depth).run(head)
        elif re.match(r"^(ba|da|z|k|a)?sh$|^busybox$", name) or not first.startswith("#!"):
            col.notes.append(f"{where}: shell script")
            Shell(col, where, depth=depth).run(head)
        else:
            col.cannot_read(f"{where}: a {name} script, which pcxguard does not read")
    elif re.search(r"<(powershell|script)>", body, re.I):
        for kind, block in re.findall(r"<(powershell|script)>(.*?)</\1>", body, re.I | re.S):
            col.notes.append(f"{where}: Windows <{kind.lower()}> block")
            Shell(col, f"{where} <{kind.lower()}>", powershell=True, depth=depth).run(block)
    elif body.strip():
        col.notes.append(f"{where}: no #!, #cloud-config, MIME or <powershell> header, so neither cloud-init "
                         "nor EC2Launch runs it")


# --------------------------------------------------------------------------- MIME


def _mime(text: str, where: str, col: Collector, depth: int) -> None:
    import email  # only for MIME user data (~0.02 s to import)
    import email.policy

    message = email.message_from_string(text, policy=email.policy.compat32)
    parts = [p for p in message.walk() if not p.is_multipart()]
    if message.is_multipart() and message.defects:
        col.cannot_read(f"{where}: a MIME archive cloud-init may not read as written "
                        f"({type(message.defects[0]).__name__})")
    if len(parts) > MAX_PARTS:
        col.cannot_read(f"{where}: more than {MAX_PARTS} MIME parts")
        parts = parts[:MAX_PARTS]
    for number_, part in enumerate(parts, 1):
        content_type = part.get_content_type()
        label = f"{where} part {number_} ({content_type})" if message.is_multipart() else f"{where} ({content_type})"
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = str(part.get_payload()).encode()
        _part(payload, content_type, label, col, depth + 1)


def _part(payload: bytes, content_type: str, where: str, col: Collector, depth: int) -> None:
    if content_type in ("application/x-gzip", "application/gzip", "application/x-gzip-compressed") \
            or payload[:2] == b"\x1f\x8b":
        unpacked = _gunzip(payload, where, col)
        if unpacked is not None:
            _part(unpacked, "text/plain" if content_type.endswith("gzip") else content_type, where, col, depth + 1)
        return
    text = _text(payload)
    if content_type in ("text/x-include-url", "text/x-include-once-url"):
        urls = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
        col.cannot_read(f"{where}: an include part ({', '.join(urls[:3]) or 'URLs'}): cloud-init downloads it at boot")
    elif content_type == "text/part-handler":
        col.cannot_read(f"{where}: a part handler (Python code cloud-init runs)")
    elif content_type == "text/jinja2":
        col.cannot_read(f"{where}: a jinja template, rendered only on the instance")
    elif content_type == "text/cloud-config":
        col.notes.append(f"{where}: cloud-config")
        _cloud_config(text, where, col, depth)
    elif content_type == "text/cloud-config-archive":
        _archive(text, where, col, depth)
    elif content_type.startswith("text/x-shellscript") and text.lstrip().startswith("#!"):
        _dispatch(text, where, col, depth)
    elif content_type.startswith("text/x-shellscript") or content_type in ("text/cloud-boothook", "text/upstart-job"):
        col.notes.append(f"{where}: shell script")
        body = text.split("\n", 1)[1] if text.lstrip().startswith("#cloud-boothook") and "\n" in text else text
        Shell(col, where, depth=depth).run(body)
    elif content_type in ("text/plain", "application/octet-stream", "text/x-not-multipart"):
        _dispatch(text, where, col, depth)
    else:
        col.notes.append(f"{where}: a {content_type} part, which cloud-init does not run")


def _archive(text: str, where: str, col: Collector, depth: int) -> None:
    data = _yaml(text, where, col)
    if not isinstance(data, list):
        if data is not None:
            col.cannot_read(f"{where}: a #cloud-config-archive that is not a list")
        return
    for index, item in enumerate(data[:MAX_PARTS]):
        if isinstance(item, str):
            _dispatch(item, f"{where} item {index + 1}", col, depth + 1)
        elif isinstance(item, dict) and isinstance(item.get("content"), str):
            content_type = str(item.get("type") or "text/plain")
            _part(item["content"].encode(), content_type, f"{where} item {index + 1} ({content_type})", col, depth + 1)


# --------------------------------------------------------------------------- cloud-config


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses more than MAX_ALIASES aliases (no alias bombs)."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


def _yaml(text: str, where: str, col: Collector) -> Any:
    if len(text) > MAX_BYTES:
        col.cannot_read(f"{where}: YAML larger than {MAX_BYTES} characters")
        return None
    try:
        loader = _BoundedLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        col.cannot_read(f"{where}: not valid YAML ({problem}), so cloud-init's reading of it is not known")
        return None


def _cloud_config(text: str, where: str, col: Collector, depth: int) -> None:
    data = _yaml(text, where, col)
    if data is None:
        return
    if not isinstance(data, dict):
        col.cannot_read(f"{where}: cloud-config that is not a mapping")
        return
    for key in ("bootcmd", "write_files", "runcmd"):
        value = data.get(key)
        if value is None:
            continue
        label = f"{where} {key}"
        if key == "write_files":
            _write_files(value, label, col)
        elif isinstance(value, str):
            Shell(col, label, depth=depth + 1).run(value)
        elif isinstance(value, list):
            for index, item in enumerate(value[:2000]):
                item_label = f"{label}[{index}]"
                if isinstance(item, str):
                    Shell(col, item_label, depth=depth + 1).run(item)
                elif isinstance(item, list):
                    _argv([str(word) for word in item], item_label, col, depth)
                elif item is not None:
                    Shell(col, item_label, depth=depth + 1).run(str(item))
        else:
            col.cannot_read(f"{label}: neither a list nor a string")


def _argv(words: list[str], where: str, col: Collector, depth: int) -> None:
    """A runcmd list entry: executed as given (no shell), so no expansion and no redirection."""
    import shlex

    if not words:
        return
    Shell(col, where, depth=depth + 1).run(" ".join(shlex.quote(w) for w in words))


def _write_files(value: Any, where: str, col: Collector) -> None:
    if not isinstance(value, list):
        col.cannot_read(f"{where}: not a list")
        return
    for index, entry in enumerate(value[:500]):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        path = entry["path"]
        label = f"{where}[{index}] {path}"
        content: Any = entry.get("content", "")
        encoding = str(entry.get("encoding") or "text/plain").lower()
        raw: bytes | None
        if isinstance(content, bytes):
            raw = content
        else:
            raw = str(content if content is not None else "").encode()
        if encoding in ("b64", "base64", "gz+b64", "gzip+base64", "gz+base64", "gzip+b64"):
            try:
                raw = base64.b64decode(b"".join(raw.split()), validate=True)
            except (binascii.Error, ValueError):
                col.cannot_read(f"{label}: content is not valid base64")
                col.files[path] = (None, label)
                continue
        if encoding.startswith(("gz", "gzip")):
            raw = _gunzip(raw, label, col)
            if raw is None:
                col.files[path] = (None, label)
                continue
        col.write(path, _text(raw), label, append=entry.get("append") is True)


# --------------------------------------------------------------------------- files by path

IFCFG = ("/etc/sysconfig/network-scripts/ifcfg-*", "/etc/sysconfig/network/ifcfg-*")
NETPLAN = ("/etc/netplan/*.yaml", "/etc/netplan/*.yml")
NETWORKD = ("/etc/systemd/network/*.network", "/etc/systemd/network/*.link", "/run/systemd/network/*.network",
            "/lib/systemd/network/*.network", "/usr/lib/systemd/network/*.network", "/etc/systemd/network/*.link")
NM_KEYFILE = ("/etc/NetworkManager/system-connections/*",)
IFUPDOWN = ("/etc/network/interfaces", "/etc/network/interfaces.d/*")
DHCLIENT = ("/etc/dhcp/dhclient.conf", "/etc/dhcp/dhclient*.conf", "/etc/dhclient.conf")


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _read_files(col: Collector) -> None:
    for path, (content, where) in list(col.files.items()):
        label = f"file {shown(path)} ({where})"
        kinds = [IFCFG, NETPLAN, NETWORKD, NM_KEYFILE, IFUPDOWN, DHCLIENT]
        if not any(_matches(path, k) for k in kinds):
            continue
        if content is None:
            col.cannot_read(f"{label}: its content is not known")
            continue
        if _matches(path, IFCFG):
            _ifcfg(path, content, label, col)
        elif _matches(path, NETPLAN):
            _netplan(path, content, label, col)
        elif _matches(path, NETWORKD):
            _networkd(path, content, label, col)
        elif _matches(path, NM_KEYFILE):
            _keyfile(path, content, label, col)
        elif _matches(path, IFUPDOWN):
            _ifupdown(path, content, label, col)
        else:
            _dhclient(path, content, label, col)


def _ifcfg(path: str, content: str, where: str, col: Collector) -> None:
    for number_, line in enumerate(content.splitlines(), 1):
        match = re.match(r"^\s*(?:export\s+)?MTU=(.*)$", line)
        if match:
            value = match.group(1).split("#", 1)[0].strip().strip("\"'")
            col.mtu(f"file {path}", number(value, f"MTU in {path}"), f"{where} line {number_}", shown(line))


def _netplan(path: str, content: str, where: str, col: Collector) -> None:
    data = _yaml(content, where, col)
    network = data.get("network") if isinstance(data, dict) else None
    if not isinstance(network, dict):
        return
    for group in ("ethernets", "bonds", "bridges", "vlans", "wifis", "tunnels", "vrfs", "dummy-devices",
                  "virtual-ethernets", "modems"):
        interfaces = network.get(group)
        if not isinstance(interfaces, dict):
            continue
        for name, settings in interfaces.items():
            if not isinstance(settings, dict):
                continue
            for key in ("mtu", "ipv6-mtu"):
                if key in settings:
                    col.mtu(f"file {path} {name}", number(str(settings[key]), f"{key} of {name} in {path}"),
                            where, f"{group}.{name}.{key}: {settings[key]}")
            for route in settings.get("routes") or []:
                if isinstance(route, dict) and "mtu" in route:
                    _pin(str(route.get("to", "")), str(route["mtu"]), where,
                         f"{group}.{name}.routes: to {route.get('to')} mtu {route['mtu']}", col)


def _pin(destination: str, mtu_text: str, where: str, statement: str, col: Collector) -> None:
    mtu = number(mtu_text, "a route MTU")
    if destination == "default":
        destination = "0.0.0.0/0"
    if isinstance(mtu, Unknown) or "\x00" in destination:
        col.pins_unread.append(f"{where}: {shown(statement)}")
        return
    try:
        network = IPNetwork(destination)
    except (AddrFormatError, ValueError, TypeError):
        col.pins_unread.append(f"{where}: {shown(statement)} (destination {destination!r} is not an address)")
        return
    col.pin(RouteMtuPin(network.cidr, mtu, where=f"{where}: {shown(statement)}"))


def _ini(content: str) -> list[tuple[str, dict[str, str]]]:
    """Sections of an INI-like file in order; repeated sections ([Route]) stay separate."""
    sections: list[tuple[str, dict[str, str]]] = [("", {})]
    for line in content.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            sections.append((stripped[1:-1].strip(), {}))
        elif "=" in stripped:
            key, value = stripped.split("=", 1)
            sections[-1][1][key.strip()] = value.strip()
    return sections


def _networkd(path: str, content: str, where: str, col: Collector) -> None:
    for section, values in _ini(content):
        if section == "Link" and "MTUBytes" in values:
            col.mtu(f"file {path}", number(values["MTUBytes"], f"MTUBytes in {path}", multiplier_suffixes=True),
                    where, f"[Link] MTUBytes={values['MTUBytes']}")
        elif section == "Route" and "MTUBytes" in values:
            _pin(values.get("Destination", "0.0.0.0/0"), values["MTUBytes"], where,
                 f"[Route] Destination={values.get('Destination', '')} MTUBytes={values['MTUBytes']}", col)


def _keyfile(path: str, content: str, where: str, col: Collector) -> None:
    for section, values in _ini(content):
        if section in ("ethernet", "802-3-ethernet", "wifi", "802-11-wireless", "bond", "vlan", "infiniband") \
                and "mtu" in values:
            col.mtu(f"file {path}", number(values["mtu"], f"mtu in {path}"), where, f"[{section}] mtu={values['mtu']}")


def _ifupdown(path: str, content: str, where: str, col: Collector) -> None:
    interface = ""
    for number_, line in enumerate(content.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "iface" and len(words) > 1:
            interface = words[1]
        elif words[0] == "mtu" and len(words) > 1:
            col.mtu(f"file {path} {interface}", number(words[1], f"mtu of {interface} in {path}"),
                    f"{where} line {number_}", line.strip())
        elif words[0] in ("up", "post-up", "pre-up") and len(words) > 1:
            Shell(col, f"{where} line {number_}").run(line.strip().split(None, 1)[1])


def _dhclient(path: str, content: str, where: str, col: Collector) -> None:
    for number_, line in enumerate(content.splitlines(), 1):
        match = re.match(r"^\s*(supersede|default)\s+interface-mtu\s+([^;\s]+)", line)
        if match:
            col.mtu(f"file {path}", number(match.group(2), f"interface-mtu in {path}"), f"{where} line {number_}",
                    line.strip())
