import sys

from healthdesk.cli import main

sys.exit(main())
