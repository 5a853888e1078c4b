"""`/usr/bin/python3 -m tests.driver ...`: see tfdriver.py."""
import sys

from .tfdriver import main

sys.exit(main())
