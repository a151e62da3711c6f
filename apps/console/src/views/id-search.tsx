/** The id pattern of API.md, checked by the browser before a lookup is sent. */
const ID_PATTERN = '[A-Za-z0-9._:\\-]{1,128}';

/** A search form for one ledger id (an account, a hold): labelled, keyboard-submitted, id-shaped. */
export function IdSearch(props: {
  id: string;
  label: string;
  button: string;
  /** The form's accessible name, when the page has more than one search. */
  name?: string;
  value: string;
  onInput: (value: string) => void;
  onSubmit: (event: Event) => void;
}) {
  return (
    <form class="search" role="search" aria-label={props.name} onSubmit={props.onSubmit}>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        value={props.value}
        required
        maxLength={128}
        pattern={ID_PATTERN}
        title="1–128 characters: letters, digits, . _ : -"
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      <button type="submit">{props.button}</button>
    </form>
  );
}
