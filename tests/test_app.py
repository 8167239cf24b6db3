import pytest

from smtp_tui.app import SmtpApp


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_the_app_opens_and_quits(context, key):
    app = SmtpApp(context)
    async with app.run_test() as pilot:
        assert type(app.screen).__name__ == "ReportScreen"
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running
