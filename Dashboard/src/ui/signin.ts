import { ApiError, type Api } from '../api';
import { field, h } from './dom';

/** The sign-in form: Tenant, Username, Password, Sign in. */
export function signInView(api: Api, notice?: string): HTMLElement {
  const tenant = h('input', { name: 'tenant', required: true, autocomplete: 'organization', value: localStorage.getItem('liveorleans.tenant') ?? '' });
  const username = h('input', { name: 'username', required: true, autocomplete: 'username' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const error = h('p', { class: 'form-error', role: 'alert' }, notice ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin' },
    h('h1', {}, 'LiveOrleans'),
    h('p', { class: 'muted' }, 'Live Monitoring and Live Conversations'),
    field('Tenant', tenant), field('Username', username), field('Password', password), error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      localStorage.setItem('liveorleans.tenant', (tenant as HTMLInputElement).value);
      await api.signIn((tenant as HTMLInputElement).value.trim(), (username as HTMLInputElement).value.trim(), (password as HTMLInputElement).value);
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 401 ? 'The tenant, username or password is wrong.' : e instanceof Error ? e.message : String(e);
    } finally {
      button.disabled = false;
    }
  });
  return h('main', { class: 'signin-page' }, form);
}
