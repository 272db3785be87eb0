use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct TextFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub on_input: Callback<String>,
    /// Shown under the field and marks it invalid.
    #[prop_or_default]
    pub error: Option<String>,
    /// Shown under the field while it has no error.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: AttrValue,
    #[prop_or_default]
    pub autocomplete: AttrValue,
    #[prop_or_default]
    pub monospace: bool,
}

/// A labelled text input with its hint or error underneath.
#[function_component(TextField)]
pub fn text_field(props: &TextFieldProps) -> Html {
    let on_input = props.on_input.clone();
    let oninput = Callback::from(move |event: InputEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        on_input.emit(input.value());
    });
    let message_id = format!("{}-message", props.id);
    let (message, class) = match (&props.error, &props.hint) {
        (Some(error), _) => (
            html! { <p class="field-error" id={message_id.clone()}>{ error }</p> },
            "field invalid",
        ),
        (None, Some(hint)) => (
            html! { <p class="field-hint" id={message_id.clone()}>{ hint }</p> },
            "field",
        ),
        (None, None) => (Html::default(), "field"),
    };
    html! {
        <div class={class}>
            <label for={props.id.clone()}>{ &props.label }</label>
            <input
                id={props.id.clone()}
                name={props.id.clone()}
                class={classes!(props.monospace.then_some("mono"))}
                type="text"
                value={props.value.clone()}
                placeholder={props.placeholder.clone()}
                autocomplete={props.autocomplete.clone()}
                spellcheck="false"
                aria-invalid={props.error.is_some().to_string()}
                aria-describedby={message_id.clone()}
                {oninput}
            />
            { message }
        </div>
    }
}
