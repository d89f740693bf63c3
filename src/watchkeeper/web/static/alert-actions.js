// Handling the selected alert: acknowledge, assign to a watch officer, close with a
// note (POST /api/alerts/{id}/acknowledge|assign|close, with the session's CSRF token).
// The alert stream then brings the new state to the list; the panel shows the answer
// at once. Only watch officers may handle alerts: for other roles the buttons are off.

import { t } from "/web/static/i18n.js";

const HANDLER_ROLE = "watch_officer";
// Which steps each status allows, as the node's alert service does.
const ALLOWED = {
  new: ["acknowledge", "assign", "close"],
  acknowledged: ["assign", "close"],
  assigned: ["assign", "close"],
};

export class AlertActions {
  constructor(panel, { me }) {
    this.panel = panel;
    this.me = me; // () => the signed-in user (/api/me), with csrf_token and roles
    this.alert = null;
    this.which = panel.querySelector("#alert-actions-which");
    this.note = panel.querySelector("#alert-note");
    this.assignee = panel.querySelector("#alert-assignee");
    this.message = panel.querySelector("#alert-actions-message");
    this.busy = false;
    panel.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-action]");
      if (button && !button.disabled) this.act(button.dataset.action);
    });
  }

  // The alert selected in the list (or null); called after every render of the list.
  show(alert) {
    if (alert?.id !== this.alert?.id) {
      this.note.value = "";
      this.message.textContent = "";
    }
    this.alert = alert;
    this.panel.hidden = alert == null;
    if (alert == null) return;
    this.panel.dataset.alertId = String(alert.id);
    this.panel.dataset.status = alert.status;
    this.which.textContent = `${t(`alert.type.${alert.type}`)} · ${t(`alert.status.${alert.status}`)}`;
    const handler = (this.me()?.roles ?? []).includes(HANDLER_ROLE);
    const allowed = ALLOWED[alert.status] ?? [];
    for (const button of this.panel.querySelectorAll("button[data-action]")) {
      button.disabled = this.busy || !handler || !allowed.includes(button.dataset.action);
    }
    if (!handler && this.me()) this.message.textContent = t("actions.notHandler");
  }

  async act(action) {
    const alert = this.alert;
    const me = this.me();
    if (!alert || !me) return;
    const note = this.note.value.trim();
    const body = { note };
    if (action === "close" && !note) {
      this.message.textContent = t("actions.noteRequired");
      this.note.focus();
      return;
    }
    if (action === "assign") {
      body.username = this.assignee.value.trim();
      if (!body.username) {
        this.message.textContent = t("actions.assigneeRequired");
        this.assignee.focus();
        return;
      }
    }
    this.busy = true;
    this.show(alert);
    try {
      const response = await fetch(`/api/alerts/${alert.id}/${action}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf_token ?? "" },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const reason = typeof answer.detail === "string" ? answer.detail : `HTTP ${response.status}`;
        this.message.textContent = t("actions.failed", { reason });
        return;
      }
      this.note.value = "";
      this.message.textContent = t(`actions.done.${answer.status}`, { user: answer.assignee ?? "" });
      this.onDone?.(answer); // the list takes the new state now; the stream confirms it
    } finally {
      this.busy = false;
      if (this.alert?.id === alert.id) this.show(this.alert);
    }
  }
}
