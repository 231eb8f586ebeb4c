/**
 * Logs every Zoom_Meeting_Event__e published by sfzoom (platform-event mode) as an Event record.
 * Platform-event triggers support only "after insert".
 */
trigger ZoomMeetingEventTrigger on Zoom_Meeting_Event__e (after insert) {
    ZoomMeetingEventHandler.handle(Trigger.new);
}
