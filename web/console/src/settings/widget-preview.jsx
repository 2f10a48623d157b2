// A live preview of the widget as visitors will see it, drawn from the unsaved draft: colours,
// side, title, welcome or offline message and the prechat form. A picture, not the real widget
// (which only reads the saved, published config).
export function WidgetPreview({ draft, offline }) {
  const style = { "--preview-primary": draft.primary, "--preview-secondary": draft.secondary };
  return (
    <div class={`widget-preview side-${draft.side}`} style={style} aria-label="Widget preview" role="img">
      <div class="preview-page" aria-hidden="true">
        <div class="preview-panel">
          <div class="preview-header">{draft.title || "Chat with us"}</div>
          <div class="preview-body">
            <p class="preview-bubble">{offline ? draft.offline_message : draft.welcome_message || "Hi! How can we help?"}</p>
            {draft.prechat_enabled && draft.prechat_fields.length > 0 && (
              <div class="preview-form">
                {draft.prechat_fields.map((f, i) => (
                  <div key={i} class="preview-field">{f.label || f.name || "Field"}{f.required ? " *" : ""}</div>
                ))}
                <div class="preview-start">Start chat</div>
              </div>
            )}
          </div>
          <div class="preview-input">Message…</div>
        </div>
        <div class="preview-launcher" />
      </div>
    </div>
  );
}
