({
    doInit: function (cmp) {
        cmp.set(
            'v.canvasParameters',
            JSON.stringify({
                recordId: cmp.get('v.recordId'),
                sObjectName: cmp.get('v.sObjectName'),
                view: 'schedule'
            })
        );
    }
});
