// Polls the plan's JSON while it runs; reloads the page once it is done or failed.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const planId = box.dataset.plan;
  async function poll() {
    try {
      const response = await fetch(`/api/v1/plans/${planId}`, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const plan = await response.json();
        document.getElementById("status").textContent = plan.status;
        const bar = document.getElementById("progress-bar");
        bar.max = plan.progress.total || 1;
        bar.value = plan.progress.done;
        document.getElementById("progress-text").textContent =
          `${plan.progress.done}/${plan.progress.total} — ${plan.progress.stage || ""}`;
        if (plan.status === "done" || plan.status === "failed" || plan.status !== box.dataset.status) {
          window.location.reload();
          return;
        }
      }
    } catch (error) { /* the api restarting: try again */ }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1500);
})();
