"""Decodes a stored mail with Python's own e-mail parser, as a mail client
would, and prints what it found as JSON (ASCII only):

  {"subject": ..., "from_name": ..., "from_address": ..., "to": ...,
   "auto_submitted": ..., "defects": [...],
   "parts": [{"content_type": ..., "charset": ..., "text": ...}, ...]}

Usage: python3 decode_mail.py FILE
"""

import email
import json
import sys
from email import policy
from email.utils import parseaddr


def main():
    with open(sys.argv[1], "rb") as f:
        message = email.message_from_binary_file(f, policy=policy.default)
    name, address = parseaddr(str(message["From"]))
    parts = []
    defects = [type(d).__name__ for d in message.defects]
    for part in message.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "text": part.get_content(),
        })
    print(json.dumps({
        "subject": str(message["Subject"]),
        "from_name": name,
        "from_address": address,
        "to": str(message["To"]),
        "auto_submitted": str(message["Auto-Submitted"]),
        "content_type": message.get_content_type(),
        "defects": defects,
        "parts": parts,
    }))


if __name__ == "__main__":
    main()
