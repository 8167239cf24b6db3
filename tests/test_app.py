import pytest

from smtp_tui.app import COLLECT_AFTER, SmtpApp


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_the_app_opens_and_quits(context, key):
    app = SmtpApp(context)
    async with app.run_test() as pilot:
        assert type(app.screen).__name__ == "ReportScreen"
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running


async def test_the_collector_is_on_again_once_the_first_frame_is_painted(context, seventy_five):
    """`smtp-tui` turns the collector off for the start-up (cli.main); the app turns it back on,
    with the start-up's objects frozen, once its first frame is on the screen and the screen
    has been still for a moment (COLLECT_AFTER), and gives them back to the collector when it
    ends."""
    import gc

    gc.disable()
    try:
        app = SmtpApp(context)
        async with app.run_test() as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()  # the count, after the first frame
            await pilot.pause(COLLECT_AFTER + 0.2)
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0
            assert app.screen.query_one("#page-status").render().plain.startswith("Page 1 of 3")
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()
