use yew::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

#[derive(Debug, Properties, PartialEq)]
pub struct NoticeProps {
    pub tone: Tone,
    pub children: Html,
}

/// A message box; errors are announced to screen readers at once.
#[function_component(Notice)]
pub fn notice(props: &NoticeProps) -> Html {
    let (class, role) = match props.tone {
        Tone::Info => ("notice info", "status"),
        Tone::Success => ("notice success", "status"),
        Tone::Error => ("notice error", "alert"),
    };
    html! { <div class={class} role={role}>{ props.children.clone() }</div> }
}
