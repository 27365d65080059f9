# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Login options of the modules that ask the node's own Server through its Web API (module_utils web_api)."""

    DOCUMENTATION = r'''
options:
  admin_user:
    description: Login of the Control Center administrator the Web API requests use.
    type: str
    default: admin
  admin_password:
    description:
    - Password of O(admin_user). Never logged. Without it (or when it is empty) the Web API is not asked.
    type: str
  web_api_timeout:
    description: Seconds to wait for the Web API.
    type: int
    default: 10
notes:
- The Web API is asked on the node itself (C(https://127.0.0.1:9081)); the Server's certificate is not validated -
  it is self-signed on a fresh install and the request never leaves the node.
'''
