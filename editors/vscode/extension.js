// extension.js - the VS Code client for slate policies: starts `slate lsp`
// (the program named by the `slate.path` setting) on stdin/stdout for every
// .slate file and hands the editor's requests to it.  Highlighting is the
// TextMate grammar in syntaxes/; everything else comes from the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
    const command = vscode.workspace.getConfiguration('slate').get('path') || 'slate';
    // TransportKind.stdio adds `--stdio`, which `slate lsp` accepts.
    const serverOptions = { command, args: ['lsp'], transport: TransportKind.stdio };
    const clientOptions = {
        documentSelector: [
            { scheme: 'file', language: 'slate' },
            { scheme: 'untitled', language: 'slate' }
        ]
    };
    client = new LanguageClient('slate', 'slate language server', serverOptions, clientOptions);
    context.subscriptions.push(client);
    return client.start();
}

function deactivate() {
    return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
