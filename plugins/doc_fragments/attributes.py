# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The attributes modules share: where they run, and those of modules that only read.

    A module's own attribute entry wins over the fragment's (it may say more about its check mode, for example).
    """

    # A module run on the managed hosts (the Servers, the database host).
    DOCUMENTATION = r'''
attributes:
  platform:
    support: full
    platforms: posix
    description: Runs on the Linux (POSIX) hosts of the cluster.
'''

    # A module that reads and decides nothing on the host: the same result in check mode, no diff.
    READ_ONLY = r'''
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode returns the same result.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show as a diff.
'''

    # An action plugin: runs on the controller, nothing on the hosts.
    CONTROLLER = r'''
attributes:
  action:
    support: full
    description: Runs on the controller as an action plugin.
  platform:
    support: full
    platforms: posix
    description: The controller.
'''
