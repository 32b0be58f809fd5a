// Starts `policydsl lsp` for .pol files. Without the server (policydsl not installed,
// or the extension's dependencies not installed) the grammar still highlights.
"use strict";

const vscode = require("vscode");
const { spawnSync } = require("child_process");

let client = null;

function settings() {
  const c = vscode.workspace.getConfiguration("policydsl");
  return {
    year: c.get("year"),
    dataFile: c.get("dataFile"),
    analysis: c.get("analysis"),
    analysisTimeout: c.get("analysisTimeout"),
  };
}

function serverWorks(command) {
  const probe = spawnSync(command[0], [...command.slice(1), "--help"], { timeout: 10000 });
  return !probe.error && probe.status === 0;
}

async function activate(context) {
  const command = vscode.workspace.getConfiguration("policydsl").get("server.command") || ["policydsl", "lsp"];
  let languageclient;
  try {
    languageclient = require("vscode-languageclient/node");
  } catch (e) {
    vscode.window.setStatusBarMessage("policydsl: highlighting only (run `npm install` in the extension folder)", 10000);
    return;
  }
  if (!serverWorks(command)) {
    vscode.window.setStatusBarMessage(
      "policydsl: highlighting only (`" + command.join(" ") + "` not found; pip install 'policydsl[lsp]')", 10000);
    return;
  }
  const serverOptions = { command: command[0], args: command.slice(1), transport: languageclient.TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ language: "pol" }],
    initializationOptions: settings(),
    synchronize: { configurationSection: "policydsl" },
  };
  client = new languageclient.LanguageClient("policydsl", "policydsl", serverOptions, clientOptions);
  context.subscriptions.push(vscode.commands.registerCommand("policydsl.evaluate", (...args) =>
    client.sendRequest("workspace/executeCommand", { command: "policydsl.evaluate", arguments: args })));
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
