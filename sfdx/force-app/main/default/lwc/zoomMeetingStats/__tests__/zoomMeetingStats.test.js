import { createElement } from 'lwc';
import ZoomMeetingStats from 'c/zoomMeetingStats';
import { getRecord } from 'lightning/uiRecordApi';

function record(count, date, summary) {
    return {
        apiName: 'Opportunity',
        id: '006xx000004TmiQAAS',
        fields: {
            Meeting_Count__c: { value: count, displayValue: null },
            Last_Meeting_Date__c: { value: date, displayValue: null },
            Last_Meeting_Summary__c: { value: summary, displayValue: null }
        }
    };
}

function mount() {
    const element = createElement('c-zoom-meeting-stats', { is: ZoomMeetingStats });
    element.recordId = '006xx000004TmiQAAS';
    document.body.appendChild(element);
    return element;
}

function text(element, selector) {
    const node = element.shadowRoot.querySelector(selector);
    return node ? node.textContent : null;
}

describe('c-zoom-meeting-stats', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    const cases = [
        {
            name: 'several meetings',
            data: record(3, '2026-01-15', 'Agreed on a renewal.'),
            want: { count: '3 Zoom meetings', lastDate: 'Last meeting: 2026-01-15', summary: 'Agreed on a renewal.', empty: null }
        },
        {
            name: 'one meeting without summary',
            data: record(1, '2026-01-15', null),
            want: { count: '1 Zoom meeting', lastDate: 'Last meeting: 2026-01-15', summary: null, empty: null }
        },
        {
            name: 'no meetings',
            data: record(0, null, null),
            want: { count: null, lastDate: null, summary: null, empty: 'No Zoom meetings yet' }
        },
        {
            name: 'count never set',
            data: record(null, null, null),
            want: { count: null, lastDate: null, summary: null, empty: 'No Zoom meetings yet' }
        }
    ];

    it.each(cases)('renders $name', async ({ data, want }) => {
        const element = mount();
        getRecord.emit(data);
        await Promise.resolve();
        expect({
            count: text(element, '.count'),
            lastDate: text(element, '.last-date'),
            summary: text(element, '.summary'),
            empty: text(element, '.empty')
        }).toEqual(want);
    });

    it('renders nothing before the record loads', async () => {
        const element = mount();
        await Promise.resolve();
        expect(text(element, '.empty')).toBeNull();
        expect(text(element, '.count')).toBeNull();
    });

    it('shows the error message when the record cannot be read', async () => {
        const element = mount();
        getRecord.error({ message: 'Insufficient access' });
        await Promise.resolve();
        expect(text(element, '.error')).toBe('Insufficient access');
    });

    it('asks for the roll-up fields of the record', async () => {
        mount();
        await Promise.resolve();
        expect(getRecord.getLastConfig()).toEqual({
            recordId: '006xx000004TmiQAAS',
            fields: [
                { objectApiName: 'Opportunity', fieldApiName: 'Meeting_Count__c' },
                { objectApiName: 'Opportunity', fieldApiName: 'Last_Meeting_Date__c' },
                { objectApiName: 'Opportunity', fieldApiName: 'Last_Meeting_Summary__c' }
            ]
        });
    });
});
