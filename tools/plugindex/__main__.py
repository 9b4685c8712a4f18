from plugindex.cli import main

raise SystemExit(main())
