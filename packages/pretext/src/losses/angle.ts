import * as tf from '@tensorflow/tfjs-core';
import { assertShape } from '@selfsup/tensors';

/**
 * Regression loss for rotation angles: the network predicts a point (x, y) per image and the target is the point on
 * the unit circle at the angle, (cos theta, sin theta); the loss is the mean squared distance. Unlike a loss on theta
 * itself it has no seam at +-pi (a prediction of 179 degrees for 181 is a small error).
 */
export function angleRegressionLoss(predictions: tf.Tensor2D, angles: tf.Tensor1D): tf.Scalar {
  assertShape('predictions', predictions, [null, 2], { dtype: 'float32' });
  assertShape('angles', angles, [predictions.shape[0]], { dtype: 'float32' });
  return tf.tidy(() => {
    const targets = tf.stack([tf.cos(angles), tf.sin(angles)], 1);
    return tf.mean(tf.sum(tf.square(tf.sub(predictions, targets)), 1)) as tf.Scalar;
  });
}

/** The angle (radians, in (-pi, pi]) each predicted point [N, 2] stands for: atan2(y, x). */
export function predictedAngles(predictions: tf.Tensor2D): tf.Tensor1D {
  assertShape('predictions', predictions, [null, 2], { dtype: 'float32' });
  return tf.tidy(() => {
    const [x, y] = tf.split(predictions, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return tf.reshape(tf.atan2(y, x), [-1]) as tf.Tensor1D;
  });
}

/** Mean absolute angular difference in radians (in [0, pi]), the wrap-around taken into account. */
export function meanAngularError(predicted: tf.Tensor1D, angles: tf.Tensor1D): number {
  assertShape('predicted', predicted, [null], { dtype: 'float32' });
  assertShape('angles', angles, [predicted.shape[0]], { dtype: 'float32' });
  if (predicted.shape[0] === 0) return 0;
  return tf.tidy(() => {
    const d = tf.sub(predicted, angles);
    // |atan2(sin d, cos d)| is the distance on the circle.
    return tf.mean(tf.abs(tf.atan2(tf.sin(d), tf.cos(d)))).dataSync()[0] ?? 0;
  });
}
