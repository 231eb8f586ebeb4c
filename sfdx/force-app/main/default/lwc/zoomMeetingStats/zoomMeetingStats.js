import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import MEETING_COUNT from '@salesforce/schema/Opportunity.Meeting_Count__c';
import LAST_MEETING_DATE from '@salesforce/schema/Opportunity.Last_Meeting_Date__c';
import LAST_MEETING_SUMMARY from '@salesforce/schema/Opportunity.Last_Meeting_Summary__c';

const FIELDS = [MEETING_COUNT, LAST_MEETING_DATE, LAST_MEETING_SUMMARY];

/**
 * Shows the Zoom roll-ups that sfzoom (or the Zoom_Meeting_Event__e trigger) keeps on an Opportunity,
 * without loading the canvas app.
 */
export default class ZoomMeetingStats extends LightningElement {
    @api recordId;

    record;
    error;

    @wire(getRecord, { recordId: '$recordId', fields: FIELDS })
    wiredRecord({ data, error }) {
        this.record = data;
        this.error = error;
    }

    get loaded() {
        return this.record !== undefined && this.record !== null;
    }

    get count() {
        return this.loaded ? Number(getFieldValue(this.record, MEETING_COUNT) || 0) : 0;
    }

    get hasMeetings() {
        return this.count > 0;
    }

    get countLabel() {
        return this.count === 1 ? '1 Zoom meeting' : `${this.count} Zoom meetings`;
    }

    get lastMeetingDate() {
        return this.loaded ? getFieldValue(this.record, LAST_MEETING_DATE) : null;
    }

    get summary() {
        return this.loaded ? getFieldValue(this.record, LAST_MEETING_SUMMARY) : null;
    }

    get errorMessage() {
        if (!this.error) {
            return null;
        }
        const body = this.error.body;
        return (body && body.message) || 'Unable to load Zoom meeting data';
    }
}
