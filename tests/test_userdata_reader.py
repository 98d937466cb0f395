"""The user-data reader, form by form, and its invariants (hypothesis): reordering unrelated lines,
adding comments or unrelated cloud-config keys never changes the MTU it reads."""

from __future__ import annotations

import base64
import gzip

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netaddr import IPNetwork

from pcxguard.model import Unknown
from pcxguard.userdata import (
    interface_mtus,
    largest_interface_mtu,
    read_user_data,
    route_pins,
)


def mtu(data):
    return read_user_data(data).interface_mtu


def unknown_what(data) -> str:
    value = mtu(data)
    assert isinstance(value, Unknown), value
    return value.what


# --------------------------------------------------------------------------- forms that set 9001

NETWORKD = "[Match]\nName=eth0\n[Link]\nMTUBytes=9001\n"
MIME = """Content-Type: multipart/mixed; boundary="==B=="
MIME-Version: 1.0

--==B==
Content-Type: text/cloud-config; charset="us-ascii"

#cloud-config
packages: [jq]

--==B==
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash
ip link set dev eth0 mtu 9001
--==B==--
"""

SETS_9001 = {
    "cloud-config runcmd list": '#cloud-config\nruncmd:\n  - [ip, link, set, dev, eth0, mtu, "9001"]\n',
    "cloud-config runcmd string": "#cloud-config\nruncmd:\n  - ip link set dev eth0 mtu 9001\n",
    "cloud-config runcmd as one string": "#cloud-config\nruncmd: |\n  ip link set dev eth0 mtu 9001\n",
    "cloud-config bootcmd": "#cloud-config\nbootcmd:\n  - [sh, -c, 'ip link set dev eth0 mtu 9001']\n",
    "echo >> ifcfg": '#!/bin/bash\necho "MTU=9001" >> /etc/sysconfig/network-scripts/ifcfg-eth0\n',
    "echo | tee -a ifcfg": "#!/bin/bash\necho 'MTU=9001' | sudo tee -a /etc/sysconfig/network-scripts/ifcfg-eth0 >/dev/null\n",
    "printf > ifcfg": "#!/bin/sh\nprintf 'DEVICE=eth0\\nMTU=%s\\n' 9001 > /etc/sysconfig/network-scripts/ifcfg-eth0\n",
    "cat heredoc > ifcfg": "#!/bin/bash\ncat <<EOF > /etc/sysconfig/network-scripts/ifcfg-eth0\nDEVICE=eth0\nMTU=9001\nEOF\n",
    "cat <<-EOF with tabs": "#!/bin/bash\ncat > /etc/sysconfig/network-scripts/ifcfg-eth0 <<-'EOF'\n\tMTU=9001\n\tEOF\n",
    "tee keyfile heredoc": "#!/bin/bash\ntee /etc/NetworkManager/system-connections/eth0.nmconnection <<'EOF'\n[ethernet]\nmtu=9001\nEOF\n",
    "write_files networkd": "#cloud-config\nwrite_files:\n  - path: /etc/systemd/network/10-eth0.network\n    content: |\n"
                            + "".join(f"      {line}\n" for line in NETWORKD.splitlines()),
    "write_files networkd b64": "#cloud-config\nwrite_files:\n  - path: /etc/systemd/network/10-eth0.network\n"
                                f"    encoding: b64\n    content: {base64.b64encode(NETWORKD.encode()).decode()}\n",
    "write_files networkd gz+b64": "#cloud-config\nwrite_files:\n  - path: /etc/systemd/network/10-eth0.network\n"
                                   f"    encoding: gz+b64\n    content: {base64.b64encode(gzip.compress(NETWORKD.encode())).decode()}\n",
    "write_files networkd gzip binary": "#cloud-config\nwrite_files:\n  - path: /etc/systemd/network/10-eth0.network\n"
                                        f"    encoding: gzip\n    content: !!binary |\n      {base64.b64encode(gzip.compress(NETWORKD.encode())).decode()}\n",
    "write_files netplan": "#cloud-config\nwrite_files:\n  - path: /etc/netplan/99-mtu.yaml\n    content: |\n"
                           "      network:\n        version: 2\n        ethernets:\n          eth0:\n            mtu: 9001\n",
    "write_files ifupdown": "#cloud-config\nwrite_files:\n  - path: /etc/network/interfaces.d/eth0\n    content: |\n"
                            "      iface eth0 inet dhcp\n        mtu 9001\n",
    "write_files dhclient": "#cloud-config\nwrite_files:\n  - path: /etc/dhcp/dhclient.conf\n    append: true\n"
                            "    content: |\n      supersede interface-mtu 9001;\n",
    "MIME shell part": MIME,
    "MIME base64 part": MIME.replace('Content-Type: text/x-shellscript; charset="us-ascii"\n\n#!/bin/bash\nip link set dev eth0 mtu 9001\n',
                                     'Content-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n'
                                     + base64.b64encode(b"#!/bin/bash\nip link set dev eth0 mtu 9001\n").decode() + "\n"),
    "ip link set without dev": "#!/bin/sh\nip link set eth0 mtu 9001 up\n",
    "ip abbreviated": "#!/bin/sh\nip l s dev eth0 mtu 9001\n",
    "sudo ip": "#!/bin/sh\nsudo /sbin/ip link set dev eth0 mtu 9001\n",
    "ifconfig": "#!/bin/sh\nifconfig eth0 mtu 9001 up\n",
    "nmcli": '#!/bin/sh\nnmcli con mod "System eth0" 802-3-ethernet.mtu 9001\n',
    "nmcli ethernet.mtu": "#!/bin/sh\nnmcli connection modify eth0 ethernet.mtu 9001 && nmcli connection up eth0\n",
    "netplan set": "#!/bin/sh\nnetplan set ethernets.eth0.mtu=9001\n",
    "netsh": '<powershell>\nnetsh interface ipv4 set subinterface "Ethernet" mtu=9001 store=persistent\n</powershell>\n',
    "Set-NetIPInterface": "<powershell>\nSet-NetIPInterface -InterfaceAlias Ethernet -NlMtuBytes 9001\n</powershell>",
    "powershell variable": "<powershell>\n$mtu = 9001\nSet-NetIPInterface -InterfaceAlias Ethernet -NlMtuBytes $mtu\n</powershell>",
    "cmd script": '<script>\nnetsh interface ipv4 set subinterface "Ethernet" mtu=9001 store=persistent\n</script>',
    "variable set literally": "#!/bin/bash\nMTU=9001\nip link set dev eth0 mtu ${MTU}\n",
    "variable default": "#!/bin/bash\nip link set dev eth0 mtu ${MTU:-9001}\n",
    "export variable": "#!/bin/bash\nexport MTU=9001\nip link set dev eth0 mtu \"$MTU\"\n",
    "sh -c": "#!/bin/sh\nsh -c 'ip link set dev eth0 mtu 9001'\n",
    "echo | bash": "#!/bin/sh\necho 'ip link set dev eth0 mtu 9001' | bash\n",
    "written script run": "#cloud-config\nwrite_files:\n  - path: /opt/net.sh\n    permissions: '0755'\n    content: |\n"
                          "      #!/bin/bash\n      ip link set dev eth0 mtu 9001\nruncmd:\n  - [bash, /opt/net.sh]\n",
    "line continuation": "#!/bin/sh\nip link set \\\n  dev eth0 \\\n  mtu 9001\n",
    "inside if": "#!/bin/bash\nif ip link show eth0; then ip link set dev eth0 mtu 9001; fi\n",
    "cloud-boothook": "#cloud-boothook\nip link set dev eth0 mtu 9001\n",
    "gzip bytes": gzip.compress(b"#!/bin/bash\nip link set dev eth0 mtu 9001\n"),
    "base64 of gzip": base64.b64encode(gzip.compress(b"#!/bin/bash\nip link set dev eth0 mtu 9001\n")).decode(),
    "base64 of script": base64.b64encode(b"#!/bin/bash\nip link set dev eth0 mtu 9001\n").decode(),
    "gzip of MIME": gzip.compress(MIME.encode()),
    "cloud-config-archive": "#cloud-config-archive\n- type: text/x-shellscript\n  content: |\n    #!/bin/sh\n    ip link set dev eth0 mtu 9001\n",
}


@pytest.mark.parametrize("form", sorted(SETS_9001))
def test_each_form_reads_9001(form: str) -> None:
    reading = read_user_data(SETS_9001[form])
    assert reading.interface_mtu == 9001, (reading.interface_mtu, reading.evidence())
    assert not reading.unread


# --------------------------------------------------------------------------- forms that do not


@pytest.mark.parametrize("text, expected", [
    ("#!/bin/bash\n# ip link set dev eth0 mtu 9001\nip link set dev eth0 mtu 1500\n", 1500),
    ("#!/bin/bash\nip link set dev eth0 mtu 1500  # was: mtu 9001\n", 1500),
    ("#!/bin/bash\nip link set dev eth0 mtu 9001\nip link set dev eth0 mtu 1500\n", 1500),  # the later one wins
    ("#!/bin/bash\nip link set dev eth0 mtu 1500\nip link set dev eth1 mtu 9001\n", 9001),  # the largest interface
    ("#!/bin/bash\necho 'ip link set dev eth0 mtu 9001'\n", None),  # printed, not run
    ("#!/bin/bash\nMTU=9001\n", None),  # a shell variable, not an ifcfg file
    ("#!/bin/bash\necho MTU=9001 > /tmp/notes.txt\n", None),  # a file nothing reads for the MTU
    ("#!/bin/bash\ncat <<EOF > /tmp/readme\nip link set dev eth0 mtu 9001\nEOF\n", None),  # heredoc text
    ("ip link set dev eth0 mtu 9001\n", None),  # no header: cloud-init does not run it
    ("#cloud-config\npackages: [iproute]\nfinal_message: mtu 9001\n", None),
    ("#!/bin/sh\nip link set dev eth0 mtu 8500\n", 8500),
    # a branch may or may not run: it adds a possible MTU, it never replaces the last sure one
    ("#!/bin/bash\nif [ -e /x ]; then\n  ip link set dev eth0 mtu 9001\nelse\n  ip link set dev eth0 mtu 1500\nfi\n", 9001),
    ("#!/bin/bash\nip link set dev eth0 mtu 9001\ntest -e /x && ip link set dev eth0 mtu 1500\n", 9001),
    ("#!/bin/bash\ntest -e /x && ip link set dev eth0 mtu 9001\nip link set dev eth0 mtu 1500\n", 1500),
    ("#!/bin/bash\ncase $(hostname) in\n  web*) ip link set dev eth0 mtu 9001 ;;\n  *) ip link set dev eth0 mtu 1500 ;;\nesac\n", 9001),
    ("", None),
])
def test_what_is_not_an_mtu_setting(text: str, expected: object) -> None:
    assert mtu(text) == expected


def test_mime_cloud_config_part_and_unknown_part_types() -> None:
    assert mtu(MIME.replace("#!/bin/bash\nip link set dev eth0 mtu 9001", "#!/bin/bash\necho hi")) is None
    image = MIME.replace("text/x-shellscript", "image/png")
    reading = read_user_data(image)
    assert reading.interface_mtu is None and any("image/png part, which cloud-init does not run" in n for n in reading.notes)


# --------------------------------------------------------------------------- cannot tell


@pytest.mark.parametrize("text, says", [
    ("#!/bin/bash\nip link set dev eth0 mtu $MTU\n", "depends on $MTU"),
    ("#!/bin/bash\nip link set dev eth0 mtu $(curl -s http://169.254.169.254/mtu)\n", "depends on $(curl"),
    ("#!/bin/bash\ncurl -fsSL https://example.com/net.sh | sudo bash\n", "runs a script curl downloads"),
    ("#!/bin/bash\nwget -qO- https://example.com/net.sh | sh\n", "runs a script wget downloads"),
    ("#!/bin/bash\ncurl -o /tmp/net.sh https://example.com/net.sh\nbash /tmp/net.sh\n", "a downloaded file"),
    ("#!/bin/bash\nsource /etc/profile.d/custom.sh\n", "a file the user data does not write"),
    ("#!/bin/bash\neval \"$SETUP\"\n", "runs a command built from"),
    ("#include\nhttps://example.com/ud.txt\n", "#include of https://example.com/ud.txt"),
    (MIME.replace("text/x-shellscript", "text/x-include-url").replace("#!/bin/bash\nip link set dev eth0 mtu 9001",
                                                                     "https://example.com/more"),
     "include part (https://example.com/more)"),
    (MIME.replace("text/x-shellscript", "text/x-include-once-url"), "include part"),
    ("#part-handler\ndef handle_part(*a): pass\n", "part handler"),
    ("## template: jinja\n#cloud-config\nruncmd:\n  - ip link set dev eth0 mtu {{ ds.meta_data.mtu }}\n", "jinja template"),
    ("#!/usr/bin/env python3\nimport subprocess\n", "a python3 script, which pcxguard does not read"),
    ("#cloud-config\nruncmd: [\n", "not valid YAML"),
    ("#cloud-config\nwrite_files:\n  - path: /etc/sysconfig/network-scripts/ifcfg-eth0\n    content: |\n      MTU=${MTU}\n",
     "MTU in /etc/sysconfig/network-scripts/ifcfg-eth0 depends on ${MTU}"),
    ("#cloud-config\nwrite_files:\n  - path: /etc/netplan/1.yaml\n    encoding: b64\n    content: '!!!'\n", "not valid base64"),
    (gzip.compress(b"#!/bin/sh\n")[:-6] + b"xxxxxx", "gzip data that does not decompress"),
])
def test_what_cannot_be_read_makes_the_mtu_unknown(text, says: str) -> None:
    assert says in unknown_what(text)


def test_an_mtu_set_before_an_unknown_download_is_still_unknown() -> None:
    text = "#!/bin/bash\nip link set dev eth0 mtu 1500\ncurl -s https://example.com/x.sh | bash\n"
    assert "downloads" in unknown_what(text)


def test_bounded_reading() -> None:
    bomb = gzip.compress(b"#!/bin/sh\n" + b"#" * (3 << 20))
    assert "decompresses to more than" in unknown_what(bomb)
    aliases = "#cloud-config\na: &a [x, x]\n" + "".join(f"b{i}: &b{i} [*a, *a]\n" for i in range(150))
    assert "more than 100 aliases" in unknown_what(aliases)
    nested = "#!/bin/sh\n" + "sh -c '" * 1 + "ip link set dev eth0 mtu 9001'\n"
    assert mtu(nested) == 9001


# --------------------------------------------------------------------------- route pins


def test_route_pins_with_family_and_where() -> None:
    text = ("#!/bin/bash\n"
            "ip route add 10.1.0.0/16 via 10.0.0.1 dev eth0 mtu lock 1500\n"
            "ip route replace 10.2.0.0/16 via 10.0.0.1 mtu 8500\n"
            "ip route add 10.3.0.0/16 via 10.0.0.1\n"
            "ip -6 route add 2600:1f14:abc::/56 via fe80::1 dev eth0 mtu lock 8500\n"
            "ip -6 route add default via fe80::1 dev eth0 mtu 8500\n"
            "ip r a 10.4.0.0/16 via 10.0.0.1 mtu lock 8400\n")
    pins = read_user_data(text).pins
    assert [(str(p.destination), p.mtu, p.family) for p in pins] == [
        ("10.1.0.0/16", 1500, 4), ("10.2.0.0/16", 8500, 4), ("2600:1f14:abc::/56", 8500, 6), ("::/0", 8500, 6),
        ("10.4.0.0/16", 8400, 4)]
    assert pins[0].where == "the user data line 2: ip route add 10.1.0.0/16 via 10.0.0.1 dev eth0 mtu lock 1500"


def test_route_pins_from_netplan_and_networkd_files() -> None:
    text = ("#cloud-config\nwrite_files:\n"
            "  - path: /etc/netplan/60-peer.yaml\n    content: |\n      network:\n        version: 2\n"
            "        ethernets:\n          eth0:\n            routes:\n              - to: 10.1.0.0/16\n"
            "                via: 10.0.0.1\n                mtu: 8500\n"
            "  - path: /etc/systemd/network/10-eth0.network\n    content: |\n      [Route]\n"
            "      Destination=10.2.0.0/16\n      MTUBytes=8500\n")
    reading = read_user_data(text)
    assert [(str(p.destination), p.mtu) for p in reading.pins] == [("10.1.0.0/16", 8500), ("10.2.0.0/16", 8500)]
    assert reading.interface_mtu is None


def test_a_pin_that_cannot_be_read_is_named() -> None:
    reading = read_user_data("#!/bin/bash\nip route add 10.1.0.0/16 via 10.0.0.1 mtu lock $PIN\n")
    assert reading.pins == () and reading.interface_mtu is None
    assert reading.pins_unknown == ["the user data line 2: ip route add 10.1.0.0/16 via 10.0.0.1 mtu lock $PIN "
                                    "(a route MTU depends on $PIN, which the user data does not set)"]


def test_what_was_read_and_where() -> None:
    reading = read_user_data(SETS_9001["write_files networkd"])
    assert reading.evidence() == [
        "the user data: #cloud-config",
        "file /etc/systemd/network/10-eth0.network (the user data write_files[0] "
        "/etc/systemd/network/10-eth0.network): [Link] MTUBytes=9001 -> MTU 9001",
    ]


def test_the_old_helpers_still_answer() -> None:
    text = "#!/bin/bash\nip link set dev eth0 mtu 9001\nip route add 10.1.0.0/16 via 10.0.0.1 mtu lock 1500\n"
    assert interface_mtus(text) == [9001]
    assert largest_interface_mtu(text) == 9001
    assert [(p.destination, p.mtu) for p in route_pins(text)] == [(IPNetwork("10.1.0.0/16"), 1500)]


# --------------------------------------------------------------------------- invariants (hypothesis)

UNRELATED = st.sampled_from([
    "yum install -y httpd", "systemctl enable --now httpd", "echo hello > /tmp/hello", "touch /var/tmp/ready",
    "useradd app", "mkdir -p /opt/app && chown app /opt/app", "sysctl -w net.ipv4.ip_forward=1",
    "ip addr show", "ip link show eth0", "ip route show", "export APP_ENV=prod", "sleep 1",
    "echo 'ip link set dev eth0 mtu 1' > /tmp/doc.txt", "printf '%s\\n' done",
])
MTU_LINE = st.sampled_from([
    "ip link set dev eth0 mtu {m}", "ifconfig eth0 mtu {m} up", "nmcli con mod eth0 802-3-ethernet.mtu {m}",
    "echo MTU={m} >> /etc/sysconfig/network-scripts/ifcfg-eth0",
])
COMMENT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r"), max_size=40)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(UNRELATED, max_size=8), MTU_LINE, st.sampled_from([1500, 8500, 9001]), st.randoms(use_true_random=False))
def test_reordering_unrelated_lines_keeps_the_mtu(unrelated, line, value, rnd) -> None:
    lines = list(unrelated) + [line.format(m=value)]
    first = mtu("#!/bin/bash\n" + "\n".join(lines) + "\n")
    rnd.shuffle(lines)
    assert mtu("#!/bin/bash\n" + "\n".join(lines) + "\n") == first == value


@PROPERTY
@given(st.lists(UNRELATED, max_size=6), MTU_LINE, st.sampled_from([1500, 9001]),
       st.lists(st.tuples(st.integers(0, 20), COMMENT), max_size=6), COMMENT)
def test_comments_never_change_the_mtu(unrelated, line, value, comments, trailing) -> None:
    lines = list(unrelated) + [line.format(m=value)]
    plain = mtu("#!/bin/bash\n" + "\n".join(lines) + "\n")
    commented = list(lines)
    for position, text in comments:
        commented.insert(min(position, len(commented)), "# " + text)
    commented[-1 if commented[-1] == lines[-1] else commented.index(lines[-1])] += "  # " + trailing
    assert mtu("#!/bin/bash\n" + "\n".join(commented) + "\n") == plain == value


_UNRELATED_KEYS = st.dictionaries(
    st.sampled_from(["packages", "package_update", "timezone", "users", "ssh_authorized_keys", "final_message",
                     "hostname", "locale", "ntp", "mounts", "my_own_key", "network", "merge_how"]),
    st.one_of(st.booleans(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=10), max_size=3)),
    max_size=6)


@PROPERTY
@given(_UNRELATED_KEYS, st.sampled_from([1500, 8500, 9001]), st.booleans(), st.randoms(use_true_random=False))
def test_unrelated_cloud_config_keys_never_change_the_mtu(extra, value, as_list, rnd) -> None:
    item = ["ip", "link", "set", "dev", "eth0", "mtu", str(value)] if as_list else f"ip link set dev eth0 mtu {value}"
    config = {"runcmd": [item], **extra}
    keys = list(config)
    rnd.shuffle(keys)
    text = "#cloud-config\n" + yaml.safe_dump({k: config[k] for k in keys}, sort_keys=False)
    assert mtu(text) == value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.builds(lambda head, body: head + body,
              st.sampled_from(["#!/bin/sh\n", "#cloud-config\n", "<powershell>", "Content-Type: multipart/mixed; "
                               "boundary=x\n\n--x\n", "#include\n", "#cloud-config-archive\n"]),
              st.text(alphabet="ip link set dev eth0 mtu 9001 $(){}'\"\\<>|&;#=\n[]-:", max_size=200)),
))
def test_the_reader_never_raises_and_answers_a_known_type(data) -> None:
    reading = read_user_data(data)
    assert reading.interface_mtu is None or isinstance(reading.interface_mtu, (int, Unknown))
    assert all(isinstance(p.mtu, int) for p in reading.pins)


def test_deep_yaml_is_bounded() -> None:
    assert "not valid YAML" in unknown_what("#cloud-config\nruncmd: " + "[" * 5000 + "]" * 5000 + "\n")
