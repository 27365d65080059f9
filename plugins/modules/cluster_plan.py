#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cluster_plan
short_description: Decide what the Dr.Web Servers cluster is and what each node does, before anything changes
description:
- Runs on the controller (an action plugin). From one read of every member of the cluster group
  (M(drweb.cluster.server_facts) with the C(keys), C(common_database) and C(install_dir) subsets) and the inventory, it
  works out the cluster's identity - the key pair, certificate and C(passwd-salt) that the members attached to the
  common database share - the common database (the one those members use, by its C(dbuuid)), and what each node does.
- B(The running cluster is the source of truth.) A member whose identity differs receives the cluster's; the cluster
  never receives a single member's. C(drweb_primary_host) only matters while no member is attached yet (a new
  cluster). When the attached members differ only by certificate version (a rollout that stopped half-way), the newest
  version is the cluster's.
- B(Refusals), all before any change, all reported together - attached members that disagree on the identity; a
  provided key set that is not the cluster's; C(drweb_db_*) naming another database than the one the cluster uses;
  Servers on different external databases; a member that cannot be read; a node that holds data of its own (stations,
  licence keys) and would lose it by joining, unless O(allow_data_loss) names it; a C(--limit) that leaves running
  members out of a cluster-wide operation; an installed node of another release (installing operations); a running
  member that refuses the administrator login; an unusable O(install_dir).
- Hosts marked C(drweb_removed=true) are left out of the cluster (not read, not counted, not in DNS); hosts marked
  C(drweb_new_node=true) are the ones add_node.yml adds.
- Returns the plan (RV(plan)), and its keys at the top level of the result too, so that the registered result is the
  plan itself - the drweb.cluster.preflight role registers it as C(drweb_cluster_plan) on every host of the play (in
  memory only, never in a fact cache) and prints its table, in check mode too.
version_added: 0.1.0
options:
  results:
    description:
    - The registered loop results of the member reads (each with the host name as C(item); a failed or unreachable
      read makes the member unreadable).
    type: list
    elements: raw
    required: true
  operation:
    description: What the run does; cluster-wide operations refuse a C(--limit) that leaves running members out.
    type: str
    required: true
    choices: [site, add_node, remove_node, rotate_certificate, update_parent_failover, upgrade, backup, restore_database]
  primary:
    description: C(drweb_primary_host); empty means the first member of the group.
    type: str
    default: ''
  version:
    description: C(drweb_version), for the installing operations (C(site), C(add_node)).
    type: str
  keys_source:
    description: C(drweb_keys_source).
    type: str
    default: generate
  provided_keys:
    description: With C(keys_source=provided), the SHA-256 of the provided files (C(private_key), C(public_key), C(certificate)).
    type: dict
  provided_salt_sha256:
    description:
    - The SHA-256 of C(drweb_passwd_salt), given when a cluster is rebuilt from a backup. A new cluster takes it (with
      the provided key set, a database that a former cluster initialised is then accepted); members already holding
      another salt refuse it.
    type: str
  database:
    description: The common database the run names (C(host), C(port), C(name), C(user) of C(drweb_db_*)).
    type: dict
    default: {}
  allow_data_loss:
    description:
    - C(drweb_allow_data_loss) - the nodes (a list, or a comma-separated text) whose own data may be erased when they
      join the common database. C(true) is refused (it would let any node lose its data).
    type: raw
  install_dir:
    description: C(drweb_install_dir); absolute, not a system folder, absent, empty or holding only installation packages.
    type: str
  group:
    description: The inventory group of the cluster's members.
    type: str
    default: drweb_servers
attributes:
  check_mode:
    support: full
    description: Decides only; the same plan in check mode.
  diff_mode:
    support: none
    description: Decides only, changes nothing; the plan's table (RV(plan.summary)) is what the preflight prints.
  action:
    support: full
    description: Runs on the controller as an action plugin; nothing runs on the hosts.
extends_documentation_fragment:
- drweb.cluster.attributes.controller
seealso:
- module: drweb.cluster.server_facts
- name: Dr.Web Servers cluster
  description: The vendor's procedure the plan enforces.
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read every member once (each member of the play itself, in parallel)
  drweb.cluster.server_facts:
    gather_subset: [keys, common_database, install_dir]
    common_database: {host: "{{ drweb_db_host }}", name: "{{ drweb_db_name }}", user: "{{ drweb_db_user }}",
                      password: "{{ drweb_db_password }}"}
    install_dir: /var/tmp/drweb-install
  loop: "{{ [inventory_hostname] }}"
  register: member_read
  ignore_unreachable: true
  ignore_errors: true

- name: Decide, and refuse before anything changes
  drweb.cluster.cluster_plan:
    results: "{{ ansible_play_hosts_all | map('extract', hostvars, ['member_read', 'results']) | flatten }}"
    operation: site
    version: "{{ drweb_version }}"
    database: {host: "{{ drweb_db_host }}", port: 5432, name: "{{ drweb_db_name }}", user: "{{ drweb_db_user }}"}
  run_once: true
'''

RETURN = r'''
plan:
  description:
  - The plan. Its keys (below) are also returned at the top level of the result (a registered result is the plan).
  returned: always
  type: dict
  contains:
    members:
      description: The cluster's members (the group without the hosts marked C(drweb_removed)), in inventory order.
      type: list
      elements: str
    removed:
      description: The hosts marked C(drweb_removed).
      type: list
      elements: str
    published:
      description: The members the cluster name publishes after this run (installed, or installed by this run).
      type: list
      elements: str
    new_nodes:
      description: The hosts marked C(drweb_new_node).
      type: list
      elements: str
    primary:
      description: The primary host (bootstraps a new cluster).
      type: str
    new_cluster:
      description: Whether no member is attached to the common database yet.
      type: bool
    identity:
      description:
      - C(source) - the member whose key files and C(passwd-salt) every member gets (the primary of a new cluster);
        C(origin) - C(members), C(primary) or C(provided); C(holders) - the attached members that hold it;
        C(fingerprint) - the three files' SHA-256; C(passwd_salt_sha256); C(certificate_version);
        C(certificate_rollout) - members still on an older certificate version of the same key.
      type: dict
    database:
      description: The common database - C(target) (host:port/name), C(dbuuid), C(attached) members.
      type: dict
    allow_data_loss:
      description: The nodes whose own data may be erased when they join.
      type: list
      elements: str
    nodes:
      description:
      - Per host - C(state) (C(absent), C(embedded), C(attached), C(foreign), C(removed), C(unreadable)), C(running),
        C(in_run), C(key_files) (C(same), C(receive), C(make)), C(salt) (C(same), C(receive), C(own)), C(install),
        C(database) (C(stays), C(switch), C(initialise)), C(data_loss_allowed), C(exclusive) (the exclusive schedule
        tasks enabled for it now).
      type: dict
    refusals:
      description: Why the run must not change anything (empty when it may).
      type: list
      elements: str
    summary:
      description: The plan as lines of text.
      type: list
      elements: str
'''
