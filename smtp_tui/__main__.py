from smtp_tui.cli import main

raise SystemExit(main())
