({
    doInit: function (cmp) {
        // sfzoom reads context.environment.parameters.page (internal/canvas/params.go).
        cmp.set('v.canvasParameters', JSON.stringify({ page: 'setup' }));
    }
});
