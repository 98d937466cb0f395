"""Shell scripts (and Windows ``<powershell>`` / ``<script>`` blocks) read for the MTU they set.

Not a shell: a reader that understands what changes the MTU. Comments, line continuations,
quotes (``shlex``), here-documents, ``;`` / ``&&`` / ``||`` / pipes and redirections are
understood; literal variable assignments are followed (``MTU=9001; ip link set ... mtu $MTU``).
Commands read: ``ip link set|add ... mtu N``, ``ip [-6] route add|replace|change|append DEST ...
mtu [lock] N``, ``ifconfig IF ... mtu N``, ``nmcli ... 802-3-ethernet.mtu N``, ``netplan set
...mtu=N``, ``netsh interface ipv4|ipv6 set subinterface IF mtu=N``, ``Set-NetIPInterface
-NlMtuBytes N``; files written by ``echo`` / ``printf`` / ``cat`` / ``tee`` with ``>``, ``>>``,
here-documents and pipes are kept and read afterwards by their path (``files.py``). A value that
depends on what the reader cannot know (an unset variable, ``$(...)``, a downloaded script run by
a shell, a script file the user data does not hold) is recorded as unknown.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from netaddr import AddrFormatError, IPNetwork

from pcxguard.model import RouteMtuPin, Unknown
from pcxguard.userdata.reading import Collector

MAX_DEPTH = 6
MAX_LINE = 65536  # a longer logical line is not read (bounded work)
# an unresolved expansion inside a word: \x00 NAME \x01 ("$MTU" -> "\x00MTU\x01")
_UNRESOLVED = re.compile(r"\x00([^\x01]*)\x01")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|([0-9#?@*!$-]))")
_SEPARATORS = {";", "&&", "||", "&", ";;", "\n"}
_REDIRECTS = {">", ">>", ">|", "&>", "&>>", "<", ">&", "<&", "<>"}
_KEYWORDS = {"then", "do", "else", "elif", "if", "while", "until", "{", "}", "(", ")", "!", "done", "fi", "time",
             "esac", "for", "select"}
# a statement inside these may or may not run: it adds a possible MTU, it does not replace the last one
_OPENERS = {"if", "case", "while", "until", "for", "select"}
_CLOSERS = {"fi", "esac", "done"}
_INTERPRETERS = {"sh", "bash", "dash", "zsh", "ksh", "ash", "busybox", "python", "python3", "python2", "perl",
                 "ruby", "pwsh", "powershell", "powershell.exe", "iex", "invoke-expression"}
_DOWNLOADERS = {"curl", "wget", "aws", "gsutil", "fetch", "invoke-webrequest", "iwr", "invoke-restmethod", "irm"}
_WRAPPERS = {"sudo", "nohup", "exec", "command", "builtin", "nice", "ionice", "stdbuf", "chroot"}
_ROUTE_TYPES = {"unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit", "blackhole", "nat"}


def unresolved_names(text: str) -> list[str]:
    return _UNRESOLVED.findall(text)


def _named(name: str) -> str:
    return name if name.startswith(("$", "`")) else "$" + (name or "?")


def shown(text: str) -> str:
    return _UNRESOLVED.sub(lambda m: _named(m.group(1)), text)


def number(value: str, what: str, multiplier_suffixes: bool = False) -> int | Unknown:
    """An MTU written as text: an int, or Unknown saying why not."""
    names = unresolved_names(value)
    if names:
        return Unknown(f"{what} depends on " + ", ".join(_named(n) for n in names)
                       + ", which the user data does not set")
    text = value.strip().strip("\"'")
    if multiplier_suffixes and text[-1:].upper() in ("K", "M", "G") and text[:-1].isdigit():
        return int(text[:-1]) * {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}[text[-1].upper()]
    if text.isdigit() and len(text) <= 7:
        return int(text)
    if "$" in text or "`" in text:
        return Unknown(f"{what} depends on {text}, which the user data does not set")
    return Unknown(f"{what} is {text!r}, not a number")


# --------------------------------------------------------------------------- script -> commands


@dataclass
class Stage:
    argv: list[str] = field(default_factory=list)
    assignments: list[tuple[str, str]] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    stdin: str | None = None  # here-document / here-string body


@dataclass
class Shell:
    col: Collector
    where: str  # "part 1 (text/x-shellscript)"
    env: dict[str, str] = field(default_factory=dict)
    depth: int = 0
    powershell: bool = False
    nesting: int = 0  # open if / case / loops (and the caller's, for nested scripts)
    chained: bool = False  # the statement being read follows && or || in its list

    # -- text -> logical lines ---------------------------------------------------------
    def run(self, text: str) -> None:
        if self.depth > MAX_DEPTH:
            self.col.cannot_read(f"{self.where}: scripts nested deeper than {MAX_DEPTH} levels")
            return
        if self.powershell:
            text = re.sub(r"<#.*?#>", " ", text, flags=re.S)
            text = re.sub(r"`\r?\n", " ", text)
        lines = text.replace("\r\n", "\n").split("\n")
        index = 0
        while index < len(lines):
            if not self.col.spend():
                self.col.cannot_read(f"{self.where}: too long to read whole")
                return
            start = index
            line = lines[index]
            index += 1
            # a backslash ending the code (not a comment) continues the line
            while _continues(strip_comment(line)) and index < len(lines):
                line = strip_comment(line)[:-1] + lines[index]
                index += 1
            if len(line) > MAX_LINE:
                if "mtu" in line.lower():
                    self.col.cannot_read(f"{self.where} line {start + 1}: a line longer than {MAX_LINE} characters")
                continue
            if self.powershell and re.match(r"\s*(rem\b|::)", line, re.I):
                continue
            code = strip_comment(line)
            # a quoted word may span lines: join until the quotes balance (bounded)
            while _unbalanced(code) and index < len(lines) and index - start < 200:
                line = line + "\n" + lines[index]
                index += 1
                code = strip_comment(line)
            if not code.strip():
                continue
            try:
                tokens = tokenize(code)
            except ValueError:
                if "mtu" in code.lower():
                    self.col.cannot_read(f"{self.where} line {start + 1}: unbalanced quotes")
                continue
            bodies: list[str] = []
            index = self._here_documents(code, tokens, lines, index, bodies)
            self._run_tokens(tokens, bodies, f"{self.where} line {start + 1}", code)

    def _here_documents(self, code: str, tokens: list[str], lines: list[str], index: int, bodies: list[str]) -> int:
        for position, token in enumerate(tokens):
            if token not in ("<<", "<<-") or position + 1 >= len(tokens):
                continue
            delimiter = tokens[position + 1]
            strip_tabs = token == "<<-"
            if delimiter.startswith("-"):
                delimiter, strip_tabs = delimiter[1:], True
            quoted = bool(re.search(r"<<-?\s*['\"\\]", code))
            body: list[str] = []
            while index < len(lines):
                raw = lines[index]
                index += 1
                candidate = raw.lstrip("\t") if strip_tabs else raw
                if candidate.rstrip("\r") == delimiter:
                    break
                body.append(candidate)
            text = "\n".join(body) + ("\n" if body else "")
            bodies.append(text if quoted else self.expand(text, keep_quotes=True))
        return index

    # -- tokens -> pipelines -> stages --------------------------------------------------
    def _run_tokens(self, tokens: list[str], bodies: list[str], where: str, code: str) -> None:
        pipeline: list[Stage] = [Stage()]
        chained = False  # after && or ||: the rest of the list may not run
        position = 0
        while position < len(tokens):
            token = tokens[position]
            position += 1
            stage = pipeline[-1]
            if token in _SEPARATORS:
                self._run_pipeline(pipeline, where, code, chained)
                chained = chained or token in ("&&", "||")
                if token in (";", ";;", "&", "\n"):
                    chained = False
                pipeline = [Stage()]
            elif token in ("|", "|&"):
                pipeline.append(Stage())
            elif token in ("<<", "<<-"):
                position += 1  # the delimiter
                stage.stdin = bodies.pop(0) if bodies else ""
            elif token == "<<<" and position < len(tokens):
                stage.stdin = self.expand(tokens[position]) + "\n"
                position += 1
            elif token in _REDIRECTS or (token.isdigit() and len(token) == 1 and position < len(tokens)
                                         and tokens[position] in _REDIRECTS and stage.argv):
                if token.isdigit():
                    position += 2  # 2>/dev/null, 2>&1: not the command's output
                    continue
                target = tokens[position] if position < len(tokens) else ""
                position += 1
                if token in (">&", "<&") and target.isdigit():
                    continue
                stage.redirects.append((token, self.expand(target)))
            elif not stage.argv and token in _OPENERS:
                self.nesting += 1
            elif not stage.argv and token in _CLOSERS:
                self.nesting = max(0, self.nesting - 1)
            elif not stage.argv and token in _KEYWORDS:
                continue
            elif stage.argv[:1] == ["case"] and token == "in":
                stage.argv = []  # case WORD in: the patterns follow
            elif token == ")" and stage.argv and stage.argv[0] not in ("(",):
                stage.argv = []  # a case pattern: PATTERN)
            elif not stage.argv and _assignment(token):
                name, value = token.split("=", 1)
                stage.assignments.append((name, self.expand(value)))
            elif self.powershell and not stage.argv and token.startswith("$") and position < len(tokens) \
                    and tokens[position] == "=":
                value = tokens[position + 1] if position + 1 < len(tokens) else ""
                self.env[token[1:]] = self.expand(value) if not value.startswith("(") else "\x00$(" + value + ")\x01"
                position += 2
            else:
                stage.argv.append(token)
        self._run_pipeline(pipeline, where, code, chained)

    def _run_pipeline(self, pipeline: list[Stage], where: str, code: str, chained: bool = False) -> None:
        self.chained = chained
        stages = [s for s in pipeline if s.argv or s.assignments]
        if not stages:
            return
        output: str | None = None  # stdout of the previous stage; None: unknown
        producer = ""
        for number_, stage in enumerate(stages):
            piped = number_ > 0
            if not stage.argv:
                for name, value in stage.assignments:
                    self.env[name] = value
                continue
            argv = [self.expand(w) for w in _unwrap(stage.argv)]
            if not argv:
                continue
            if piped and stage.stdin is None:
                stage.stdin = output
                if output is None:
                    stage.stdin = None
            output = self._command(argv, stage, where, code, piped, producer)
            producer = _base(argv[0])

    # -- one command ----------------------------------------------------------------------
    def _command(self, argv: list[str], stage: Stage, where: str, code: str, piped: bool, producer: str) -> str | None:
        name = _base(argv[0])
        lower = name.lower()
        out: str | None = None
        if lower in ("echo", "write-output", "write-host"):
            out = _echo(argv[1:])
        elif lower == "printf":
            out = _printf(argv[1:])
        elif lower in ("cat", "get-content", "type"):
            if len(argv) == 1 or argv[1:] == ["-"]:
                out = stage.stdin
            else:
                parts = [self.col.files.get(p, (None, ""))[0] for p in argv[1:] if not p.startswith("-")]
                out = None if any(p is None for p in parts) else "".join(p or "" for p in parts)
        elif lower in ("tee", "tee-object", "set-content", "add-content", "out-file"):
            out = self._tee(argv, stage, where)
        elif lower in ("export", "declare", "local", "readonly", "typeset", "set-variable"):
            for word in argv[1:]:
                if _assignment(word):
                    key, value = word.split("=", 1)
                    self.env[key] = value
        elif lower == "env":
            rest = [w for w in argv[1:] if not _assignment(w) and not w.startswith("-")]
            return self._command(rest, stage, where, code, piped, producer) if rest else None
        elif lower in ("ip",):
            self._ip(argv, where, code)
        elif lower == "ifconfig":
            self._ifconfig(argv, where, code)
        elif lower == "nmcli":
            self._nmcli(argv, where, code)
        elif lower == "netplan":
            self._netplan(argv, where, code)
        elif lower in ("netsh", "netsh.exe"):
            self._netsh(argv, where, code)
        elif lower == "set-netipinterface":
            self._set_netipinterface(argv, where, code)
        elif lower in ("eval",):
            self._nested(" ".join(argv[1:]), where, "eval")
        elif lower in _DOWNLOADERS:
            target = _output_file(argv)
            if target:
                self.col.files[target] = (None, f"{where} (downloaded by {name})")
            out = None
        elif lower in ("source", ".") and len(argv) > 1:
            self._run_path(argv[1], where, code)
        elif lower in _INTERPRETERS:
            self._interpreter(argv, stage, where, code, piped, producer)
        elif "/" in argv[0] and (argv[0] in self.col.files or argv[0].endswith((".sh", ".bash", ".py"))):
            self._run_path(argv[0], where, code)
        if stage.redirects:
            for op, target in stage.redirects:
                if op in (">", ">>", ">|", "&>", "&>>"):
                    self.col.write(target, out, where, append=op in (">>", "&>>"))
                elif op == "<" and stage.stdin is None:
                    stage.stdin = self.col.files.get(target, (None, ""))[0]
            return None
        return out

    def _tee(self, argv: list[str], stage: Stage, where: str) -> str | None:
        append = any(w in ("-a", "--append", "-Append", "-append") for w in argv[1:]) or _base(argv[0]).lower() == "add-content"
        content = stage.stdin
        paths: list[str] = []
        words = argv[1:]
        skip = False
        for position, word in enumerate(words):
            if skip:
                skip = False
                continue
            if word.lower() in ("-path", "-filepath", "-literalpath"):
                continue
            if word.lower() in ("-value", "-inputobject"):
                content = (words[position + 1] + "\n") if position + 1 < len(words) else content
                skip = True
                continue
            if word.startswith("-"):
                continue
            paths.append(word)
        for path in paths:
            self.col.write(path, content, where, append=append)
        return content

    def _interpreter(self, argv: list[str], stage: Stage, where: str, code: str, piped: bool, producer: str) -> None:
        args = argv[1:]
        if "-c" in args and args.index("-c") + 1 < len(args):
            self._nested(args[args.index("-c") + 1], where, f"{argv[0]} -c")
            return
        files = [a for a in args if not a.startswith("-")]
        if files and not (piped and files == ["-"]):
            self._run_path(files[0], where, code)
            return
        if stage.stdin is None:
            what = f"a script {producer} downloads" if producer.lower() in _DOWNLOADERS else "a script from another command"
            self.col.cannot_read(f"{where}: runs {what} ({shown(code.strip())[:100]})")
            return
        self._nested(stage.stdin, where, f"{argv[0]} reading its input")

    def _nested(self, text: str, where: str, how: str) -> None:
        if unresolved_names(text):
            self.col.cannot_read(f"{where}: {how} runs a command built from {shown(text)[:80]!r}")
            return
        Shell(self.col, f"{where} ({how})", self.env, self.depth + 1, self.powershell,
              self.nesting + int(self.chained)).run(text)

    def _run_path(self, path: str, where: str, code: str) -> None:
        content = self.col.files.get(path)
        if content is None or content[0] is None:
            origin = "a downloaded file" if content is not None else "a file the user data does not write"
            self.col.cannot_read(f"{where}: runs {shown(path)}, {origin}")
            return
        Shell(self.col, f"{path} (run at {where})", self.env, self.depth + 1, self.powershell,
              self.nesting + int(self.chained)).run(content[0])

    # -- the MTU commands -----------------------------------------------------------------
    def _setting(self, interface: str, value: str, where: str, code: str, what: str) -> None:
        mtu = number(value, what)
        self.col.mtu(shown(interface) if not unresolved_names(interface) else "", mtu, where, shown(code),
                     conditional=bool(self.nesting or self.chained))

    def _ip(self, argv: list[str], where: str, code: str) -> None:
        args = argv[1:]
        family: int | None = None
        while args and args[0].startswith("-") and len(args[0]) > 1:
            option = args.pop(0).lstrip("-")
            if option == "6":
                family = 6
            elif option == "4":
                family = 4
            elif option in ("f", "family") and args:
                kind = args.pop(0)
                family = 6 if kind == "inet6" else 4 if kind == "inet" else family
            elif option in ("n", "netns", "b", "batch", "rc", "rcvbuf") and args:
                args.pop(0)
        if not args:
            return
        obj = args.pop(0)
        verb = args.pop(0) if args else ""
        kind = _ip_object(obj)
        if kind == "route" and any(_abbrev(verb, v) for v in ("add", "append", "replace", "change", "prepend")):
            self._route(args, family, where, code)
        elif kind == "link" and any(_abbrev(verb, v) for v in ("set", "add", "change")):
            if "mtu" in args and args.index("mtu") + 1 < len(args):
                interface = ""
                if "dev" in args and args.index("dev") + 1 < len(args):
                    interface = args[args.index("dev") + 1]
                elif "name" in args and args.index("name") + 1 < len(args):
                    interface = args[args.index("name") + 1]
                elif args and args[0] not in ("mtu", "up", "down"):
                    interface = args[0]
                self._setting(interface, args[args.index("mtu") + 1], where, code,
                              f"the MTU of {shown(interface) or 'an interface'}")

    def _route(self, args: list[str], family: int | None, where: str, code: str) -> None:
        destination = None
        mtu_text = None
        position = 0
        while position < len(args):
            word = args[position]
            position += 1
            if word == "mtu" and position < len(args):
                if args[position] == "lock":
                    position += 1
                mtu_text = args[position] if position < len(args) else None
                position += 1
            elif word == "to" and position < len(args) and destination is None:
                destination = args[position]
                position += 1
            elif word in _ROUTE_TYPES and destination is None:
                continue
            elif destination is None:
                destination = word
        if mtu_text is None or destination is None:
            return
        text = shown(code)
        mtu = number(mtu_text, "a route MTU")
        if destination == "default":
            destination = "::/0" if family == 6 else "0.0.0.0/0"
        if unresolved_names(destination) or isinstance(mtu, Unknown):
            reason = mtu.what if isinstance(mtu, Unknown) else f"its destination depends on {shown(destination)}"
            self.col.pins_unread.append(f"{where}: {text} ({reason})")
            return
        try:
            network = IPNetwork(destination)
        except (AddrFormatError, ValueError, TypeError):
            self.col.pins_unread.append(f"{where}: {text} (destination {destination!r} is not an address)")
            return
        self.col.pin(RouteMtuPin(network.cidr, mtu, where=f"{where}: {text}"))

    def _ifconfig(self, argv: list[str], where: str, code: str) -> None:
        args = argv[1:]
        if len(args) >= 3 and "mtu" in args[1:] and args.index("mtu", 1) + 1 < len(args):
            self._setting(args[0], args[args.index("mtu", 1) + 1], where, code, f"the MTU of {shown(args[0])}")

    def _nmcli(self, argv: list[str], where: str, code: str) -> None:
        args = [a for a in argv[1:] if not a.startswith("-")]
        connection = ""
        if len(args) >= 3 and _abbrev(args[0], "connection") and _abbrev(args[1], "modify"):
            connection = args[2]
            if connection in ("id", "uuid", "path") and len(args) > 3:
                connection = args[3]
        elif "con-name" in args and args.index("con-name") + 1 < len(args):
            connection = args[args.index("con-name") + 1]
        for position, word in enumerate(args[:-1]):
            if word.lstrip("+") in ("802-3-ethernet.mtu", "ethernet.mtu", "802-11-wireless.mtu", "wifi.mtu",
                                    "infiniband.mtu", "bond.mtu", "vlan.mtu"):
                self._setting(f"nmcli {connection}" if connection else "", args[position + 1], where, code,
                              f"the MTU of connection {shown(connection) or '?'}")

    def _netplan(self, argv: list[str], where: str, code: str) -> None:
        if len(argv) < 3 or argv[1] != "set":
            return
        for word in argv[2:]:
            key, _, value = word.partition("=")
            parts = key.split(".")
            if len(parts) >= 3 and parts[-1] == "mtu" and value:
                self._setting(f"netplan {parts[-2]}", value, where, code, f"the MTU of {parts[-2]}")

    def _netsh(self, argv: list[str], where: str, code: str) -> None:
        words = [w.lower() for w in argv[1:]]
        if "subinterface" not in words or "set" not in words:
            return
        position = words.index("subinterface")
        interface = argv[1 + position + 1] if position + 1 < len(words) else ""
        for word in argv[1:]:
            key, _, value = word.partition("=")
            if key.lower() == "mtu" and value:
                self._setting(f"netsh {interface}", value, where, code, f"the MTU of {interface or 'an interface'}")

    def _set_netipinterface(self, argv: list[str], where: str, code: str) -> None:
        interface = ""
        mtu = None
        words = argv[1:]
        for position, word in enumerate(words):
            key, colon, inline = word.partition(":")
            lowered = key.lower()
            following = inline if colon else (words[position + 1] if position + 1 < len(words) else "")
            if lowered in ("-interfacealias", "-interfaceindex", "-alias", "-ifalias", "-ifindex"):
                interface = following
            elif lowered == "-nlmtubytes" or lowered == "-nlmtu":
                mtu = following
        if mtu is not None:
            self._setting(f"Set-NetIPInterface {interface}", mtu, where, code, f"the MTU of {interface or 'an interface'}")

    # -- expansion --------------------------------------------------------------------------
    def expand(self, word: str, keep_quotes: bool = False) -> str:
        word = re.sub(r"\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`",
                      lambda m: "\x00" + (m.group(0)[:60].replace("\x01", "")) + "\x01", word)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(4)
            if name is None:
                return "\x00" + match.group(5) + "\x01"
            if name in self.env:
                return self.env[name]
            if match.group(2) and match.group(3) is not None:
                return match.group(3)  # ${NAME:-default}: the script never sets NAME
            return "\x00" + name + "\x01"

        return _VAR.sub(replace, word)


# --------------------------------------------------------------------------- helpers


def strip_comment(line: str) -> str:
    """The line without its shell comment: an unquoted ``#`` that starts a word."""
    quote = ""
    previous = " "
    escaped = False
    for position, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
        elif char in ("'", '"'):
            quote = char
        elif char == "#" and (previous.isspace() or previous in ";&|(") and not line[position:].startswith("#>"):
            return line[:position]
        previous = char
    return line


def _continues(code: str) -> bool:
    trailing = len(code) - len(code.rstrip("\\"))
    return trailing % 2 == 1


def _unbalanced(code: str) -> bool:
    try:
        tokenize(code)
    except ValueError as error:
        return "quotation" in str(error)
    return False


def tokenize(code: str) -> list[str]:
    # $(...) and backticks must survive as one word: hide their spaces and punctuation from shlex
    hidden: list[str] = []

    def hide(match: re.Match[str]) -> str:
        hidden.append(match.group(0))
        return f"\x02{len(hidden) - 1}\x03"

    code = re.sub(r"\$\((?:[^()]|\([^()]*\))*\)|`[^`\n]*`|\$\{[^}]*\}", hide, code)
    lexer = shlex.shlex(code, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    tokens = list(lexer)
    if not hidden:
        return tokens
    return [re.sub(r"\x02(\d+)\x03", lambda m: hidden[int(m.group(1))], t) for t in tokens]


def _assignment(word: str) -> bool:
    return bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*\+?=", word))


def _base(command: str) -> str:
    return command.replace("\\", "/").rsplit("/", 1)[-1]


_IP_OBJECTS = ("address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl",
               "link", "l2tp", "fou", "ila", "macsec", "tunnel", "tuntap", "token", "tcpmetrics", "monitor",
               "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "stats")


def _ip_object(word: str) -> str:
    """iproute2 takes the first object a prefix matches, in its own order ("ip r" is route, "ip l" link)."""
    return next((name for name in _IP_OBJECTS if word and name.startswith(word)), "")


def _abbrev(word: str, name: str) -> bool:
    return bool(word) and name.startswith(word)


def _unwrap(argv: list[str]) -> list[str]:
    words = list(argv)
    while words:
        head = _base(words[0]).lower()
        if head in _WRAPPERS:
            words.pop(0)
            while words and words[0].startswith("-"):
                option = words.pop(0)
                if option in ("-u", "-g", "-n", "-c", "-p") and words and head in ("sudo", "nice", "ionice"):
                    words.pop(0)
        elif head == "timeout" and len(words) > 2:
            words = words[2:]
        elif head == "xargs":
            return []
        else:
            break
    return words


def _echo(args: list[str]) -> str:
    newline = True
    escapes = False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        option = args.pop(0)
        newline = newline and "n" not in option
        escapes = ("e" in option) or escapes
    text = " ".join(args)
    if escapes:
        text = _escapes(text)
    return text + ("\n" if newline else "")


def _escapes(text: str) -> str:
    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], text)


def _printf(args: list[str]) -> str | None:
    if not args:
        return ""
    if args[0] == "-v":
        return None
    template, values = _escapes(args[0]), args[1:]
    out = []
    specifiers = len(re.findall(r"%[-+ 0#]*\d*(?:\.\d+)?[sdbiuxXc]", template))
    rounds = 0
    while True:
        chunk = values[:specifiers] if specifiers else []
        values = values[specifiers:] if specifiers else []
        iterator = iter(chunk)

        def fill(match: re.Match[str], iterator: Any = iterator) -> str:  # bound per round
            if match.group(0) == "%%":
                return "%"
            value = next(iterator, "")
            return _escapes(value) if match.group(0).endswith("b") else value

        out.append(re.sub(r"%%|%[-+ 0#]*\d*(?:\.\d+)?[sdbiuxXc]", fill, template))
        rounds += 1
        if not values or not specifiers or rounds > 100:
            break
    return "".join(out)


def _output_file(argv: list[str]) -> str | None:
    for position, word in enumerate(argv[:-1]):
        if word in ("-o", "-O", "--output", "--output-document", "-OutFile", "-outfile"):
            return argv[position + 1] if argv[position + 1] != "-" else None
    if _base(argv[0]).lower() == "aws" and len(argv) >= 5 and argv[1] == "s3" and argv[2] == "cp":
        return argv[4] if argv[4] != "-" else None
    return None
