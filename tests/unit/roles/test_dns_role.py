# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.dns spells the SRV service name and the Agent port itself (a role cannot import module_utils): they
must be the register's (plugins/module_utils/drwcsd.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROLE = Path(drwcsd.__file__).resolve().parents[2] / 'roles' / 'dns'


def test_the_srv_service_name_and_port_are_the_registers():
    variables = yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    assert variables['__drweb_dns_srv_service'] == drwcsd.DNS_SRV_SERVICE
    assert defaults['drweb_dns_srv_port'] == drwcsd.AGENT_PORT
    assert drwcsd.DNS_SRV_OWNER.startswith('_%s._tcp.' % variables['__drweb_dns_srv_service'])
